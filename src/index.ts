/**
 * portbook's library API. The pipeline, one module per stage:
 * read (bytes → mdast) → extract (mdast → Registry) → validate (rules → diagnostics)
 * → render (Registry → file contents) → write (compare, then atomic replace).
 */
export { build, check, fixEncoding, generate, maxSourceBytes, type Built, type GenerateResult } from './commands/build.js';
export { read, repairMojibake, type Source } from './read/index.js';
export { extract, parsePort, parseProxyTarget, parseSsl, parseDomain, columnKind } from './extract/index.js';
export { environmentNamed, environmentsNamed } from './registry/environments.js';
export { validate, rules, type Rule } from './validate/index.js';
export { render, renderFiles, loadTemplates, compileTemplates, type RenderedFile, type TemplateSet } from './render/index.js';
export { targets, targetIds, defaultTargetIds, buildModel, type TargetId, type Target, type Model, type EnvironmentView, type ServiceView, type SiteView } from './targets/index.js';
export { header } from './targets/comments.js';
export { helpers } from './render/templates.js';
export { apply, plan, manifestName, resolveInside, replaceFile, type ApplyHooks, type Change, type Conflict, type Plan } from './write/index.js';
export { loadConfig, configFileName, type Config, type PathOptions, type RenderOptions } from './config/load.js';
export { formatMessage } from './diagnostics/format.js';
export { toJson, type DiagnosticJson, type Severity } from './diagnostics/report.js';
export { PortbookError } from './support/errors.js';
export * as names from './registry/names.js';
export type * from './registry/types.js';
