/**
 * portbook's library API. The pipeline, one module per stage:
 * read (bytes → mdast) → extract (mdast → Registry) → validate (rules → diagnostics)
 * → render (Registry → file contents) → write (compare, then atomic replace).
 */
export { build, check, fixEncoding, generate, maxSourceBytes, type Built, type GenerateResult } from './project.js';
export { read, repairMojibake, type Source } from './read.js';
export { extract, parsePort, parseProxyTarget, parseSsl, parseDomain, columnKind } from './extract.js';
export { environmentNamed, environmentsNamed } from './environments.js';
export { validate, rules, type Rule } from './validate/index.js';
export { render, targets, header, buildModel, loadTemplates, compileTemplates, quote } from './render/index.js';
export type { Model, EnvironmentView, ServiceView, SiteView, TemplateSet } from './render/index.js';
export { apply, plan, manifestName, resolveInside, replaceFile, type ApplyHooks, type Change, type Conflict, type Plan } from './write.js';
export { loadConfig, configFileName, targetIds, type Config, type PathOptions, type RenderOptions, type TargetId } from './config.js';
export { formatMessage, toJson, type DiagnosticJson, type Severity } from './diagnostics.js';
export { PortbookError } from './errors.js';
export * as names from './names.js';
export type * from './registry.js';
