/**
 * The hash of everything that determines gen's outputs: portbook's version,
 * the paths (relative to the project root), the registry's bytes, the config
 * file's bytes, every template portbook would use and the project's compose
 * files (which a rule reads). Recorded in the
 * manifest, it lets a run that finds it unchanged answer from hashes alone,
 * without loading the parser or the template engine. Light: node builtins only.
 */
import { createHash, type Hash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { PortbookError } from '../support/errors.js';
import { packageRoot, version } from '../support/package.js';
import { type ComposeFile, readComposeFiles } from './compose-files.js';
import type { Config } from './load.js';

/** Refuse sources larger than this (5 MiB; 20,000 services take 2.2 MB): a registry is tables, not a data dump. */
export const maxSourceBytes = 5 * 1024 * 1024;

export interface TemplateFile {
  /** `nginx.conf.hbs` */
  name: string;
  file: string;
  bytes: Buffer;
}

/**
 * The `*.hbs` files of a templates directory, by name: what the renderer
 * loads and the inputs hash covers, read the same way for both. A directory
 * that does not exist has none (unless `required`); anything else that cannot
 * be read is a PortbookError. Entries that are not files (a directory named
 * `x.hbs`) are skipped.
 */
export function readTemplateFiles(dir: string, required: boolean): TemplateFile[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (!required && code === 'ENOENT') return [];
    throw new PortbookError(`Cannot read templates directory ${dir}: ${code ?? String(error)}`);
  }
  return names
    .filter((name) => name.endsWith('.hbs') && name !== '.hbs')
    .sort()
    .flatMap((name) => {
      const file = path.join(dir, name);
      try {
        // stat first: a FIFO or a device named *.hbs is skipped, never read
        if (!statSync(file).isFile()) return [];
        return [{ name, file, bytes: readFileSync(file) }];
      } catch (error) {
        throw new PortbookError(`Cannot read template ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
      }
    });
}

/**
 * The templates portbook would use, hashed: the package's and, when it is
 * another directory, the project's. `build` takes it before it loads the
 * templates, so an edit saved in between makes the recorded hash older than
 * the outputs (a needless rerun), never newer (stale outputs passed as fresh).
 */
export function templatesHash(config: Config): string | undefined {
  const hash = createHash('sha256');
  const builtin = path.join(packageRoot, 'templates');
  try {
    for (const { name, bytes } of readTemplateFiles(builtin, true)) addPart(hash, `builtin:${name}`, bytes);
    if (path.resolve(config.templates) !== path.resolve(builtin)) {
      for (const { name, bytes } of readTemplateFiles(config.templates, false)) addPart(hash, `project:${name}`, bytes);
    }
  } catch {
    return undefined; // the full run reports it
  }
  return hash.digest('hex');
}

/** One labelled, length-prefixed part of a hash, so no two sets of parts run together the same way. */
function addPart(hash: Hash, label: string, value: string | Buffer): void {
  hash.update(`${label}\0${value.length}\0`);
  hash.update(value);
}

/**
 * `undefined` when an input cannot be read (the full run will say why).
 * `source`, when given, stands in for the registry's file: the bytes gen
 * parsed, or those it is about to write (its diagram block), so the hash
 * matches the file as the next run reads it. The config file counts as
 * `loadConfig` read it; `templates` is `templatesHash` taken before the
 * templates were loaded; `composeFiles`, the compose files as the rules read them.
 */
export function inputsHash(
  config: Config,
  source?: Uint8Array,
  templates: string | undefined = templatesHash(config),
  composeFiles: readonly ComposeFile[] = readComposeFiles(config.root),
): string | undefined {
  if (templates === undefined) return undefined;
  const hash = createHash('sha256');
  const add = (label: string, value: string | Buffer): void => addPart(hash, label, value);
  const relative = (file: string): string => path.relative(config.root, file).split(path.sep).join('/');
  add('version', version);
  add('source-path', relative(config.source));
  add('out-path', relative(config.out));
  add('templates-path', relative(config.templates));
  try {
    const registry = source ? Buffer.from(source) : readFileSync(config.source);
    // a registry gen would refuse (one its diagram block grew past the limit, say) is never up to date
    if (registry.length > maxSourceBytes) return undefined;
    add('source', registry);
    if (config.file) add('config', config.fileHash ?? createHash('sha256').update(readFileSync(config.file)).digest('hex'));
  } catch {
    return undefined;
  }
  add('templates', templates);
  // compose-publishes-all-interfaces reads them: an edit must rerun the checks, not replay the manifest's warnings
  for (const { name, bytes } of composeFiles) add(`compose:${name}`, bytes);
  return hash.digest('hex');
}
