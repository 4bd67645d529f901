/**
 * portbook's library: one function per command (what the CLI calls), then the
 * pipeline's stages for those who build on them:
 * read (bytes → mdast) → extract (mdast → Registry) → validate (rules →
 * diagnostics) → render (Registry → files, through the target table) →
 * write (compare, then atomic replace).
 */
export { build, loadRegistry, diagnose, maxSourceBytes, type Built, type SourceUpdate } from './commands/build.js';
export { generate, type GenerateOptions, type GenerateResult } from './commands/gen.js';
export { check } from './commands/check.js';
export { generateAndStage, type StagedResult } from './commands/stage.js';
export { preCommit, type PreCommitResult, type StagedOutput } from './commands/pre-commit.js';
export { init, initRegistry, type InitResult } from './commands/init.js';
export { installPreCommitHook, hookManagers } from './commands/hook.js';
export { add, EnvironmentNeeded, type AddOptions, type AddOutcome } from './commands/add.js';
export { fill, type FillOptions, type FillOutcome } from './commands/fill.js';
export { next, type NextOptions, type NextPort } from './commands/next.js';
export { scan, type ScanOptions, type ScanResult } from './commands/scan.js';
export { fixEncoding } from './commands/fix-encoding.js';
export { watchGenerate, watchInputs, type WatchRun, type Watcher } from './commands/watch.js';
export type { EditOutcome } from './commands/registry-edit.js';

export { read, repairMojibake, type Source } from './read/index.js';
export { extract, parsePort, parseProxyTarget, parseSsl, parseDomain, columnKind } from './extract/index.js';
export { environmentNamed, environmentsNamed } from './registry/environments.js';
export { validate, rules, type Rule } from './validate/index.js';
export { render, renderFiles, loadTemplates, compileTemplates, type RenderedFile, type TemplateSet } from './render/index.js';
export { helpers } from './render/templates.js';
export { targets, targetIds, defaultTargetIds, buildModel, type TargetId, type Target, type Model, type EnvironmentView, type ServiceView, type SiteView } from './targets/index.js';
export { header } from './targets/comments.js';
export { apply, plan, manifestName, resolveInside, replaceFile, type ApplyHooks, type Change, type Conflict, type Plan } from './write/index.js';
export { loadConfig, configFileName, type Config, type PathOptions, type RenderOptions } from './config/load.js';
export { formatMessage } from './diagnostics/format.js';
export { toJson, type DiagnosticJson, type Severity } from './diagnostics/report.js';
export { PortbookError } from './support/errors.js';
export * as names from './registry/names.js';
export type * from './registry/types.js';
