/**
 * portbook's library: one function per command (what the CLI calls), then the
 * pipeline's stages for those who build on them:
 * read (bytes → mdast) → extract (mdast → Registry) → validate (rules →
 * diagnostics) → render (Registry → files, through the target table) →
 * write (compare, then atomic replace).
 */

export { type AddOptions, type AddOutcome, add, EnvironmentNeeded } from './commands/add.js';
export { type Built, build, diagnose, loadRegistry, maxSourceBytes, type SourceUpdate } from './commands/build.js';
export { type CheckResult, check, type IgnoredFile, ignoredOutputs } from './commands/check.js';
export { type DeployOptions, type DeployResult, deploy, deployFailed } from './commands/deploy.js';
export { type DriftResult, drift } from './commands/drift.js';
export { type FillOptions, type FillOutcome, fill } from './commands/fill.js';
export { fixEncoding } from './commands/fix-encoding.js';
export { type GenerateOptions, type GenerateResult, generate } from './commands/gen.js';
export { hookManagers, installPreCommitHook } from './commands/hook.js';
export { type InitOptions, type InitResult, init, initRegistry } from './commands/init.js';
export { type NextOptions, type NextPort, next } from './commands/next.js';
export { type PreCommitResult, preCommit, type StagedOutput } from './commands/pre-commit.js';
export type { EditOutcome } from './commands/registry-edit.js';
export { type ScanOptions, type ScanResult, scan } from './commands/scan.js';
export { generateAndStage, type StagedResult } from './commands/stage.js';
export { type Watcher, type WatchRun, watchGenerate, watchInputs } from './commands/watch.js';
export { type Config, configFileName, loadConfig, type PathOptions, type RenderOptions } from './config/load.js';
export type { DriftReport } from './deploy/drift.js';
export type { HostPlan } from './deploy/plan.js';
export { formatMessage } from './diagnostics/format.js';
export { type DiagnosticJson, type Severity, toJson } from './diagnostics/report.js';
export { columnKind, extract, parseDomain, parsePort, parseProxyTarget, parseSsl } from './extract/index.js';
export { read, repairMojibake, type Source } from './read/index.js';
export { environmentNamed, environmentsNamed } from './registry/environments.js';
export * as names from './registry/names.js';
export type * from './registry/types.js';
export { compileTemplates, loadTemplates, type RenderedFile, render, renderFiles, type TemplateSet } from './render/index.js';
export { helpers } from './render/templates.js';
export { PortbookError } from './support/errors.js';
export { header } from './targets/comments.js';
export {
  buildModel,
  defaultTargetIds,
  type EnvironmentView,
  type Model,
  type ServiceView,
  type SiteView,
  type Target,
  type TargetId,
  targetIds,
  targets,
} from './targets/index.js';
export { type Rule, rules, validate } from './validate/index.js';
export { type ApplyHooks, apply, type Change, type Conflict, manifestName, type Plan, plan, replaceFile, resolveInside } from './write/index.js';
