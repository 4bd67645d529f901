/**
 * The hash of everything that determines gen's outputs: portbook's version,
 * the paths (relative to the project root), the registry's bytes, the config
 * file's bytes, every template portbook would use and the project's compose
 * files (which a rule reads). Recorded in the
 * manifest, it lets a run that finds it unchanged answer from hashes alone,
 * without loading the parser or the template engine. Light: node builtins only.
 */
import { createHash, type Hash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { PortbookError } from '../support/errors.js';
import { sha256Hex } from '../support/hash.js';
import { packageRoot, version } from '../support/package.js';
import { NotRegularFile, readRegularFile, whyUnreadable } from '../support/regular-file.js';
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
 * be read is a PortbookError, and so is a template larger than a registry
 * may be. Entries that are not regular files (a directory named `x.hbs`, a
 * FIFO, a device) are skipped, never read.
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
        return [{ name, file, bytes: readRegularFile(file, { limit: maxSourceBytes }) }];
      } catch (error) {
        if (error instanceof NotRegularFile) return [];
        throw new PortbookError(`Cannot read template ${file}: ${whyUnreadable(error)}`);
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

/**
 * One labelled, length-prefixed part of a hash, so no two sets of parts run
 * together the same way. Line endings do not count: a checkout whose files
 * git's `core.autocrlf` turned into CRLF renders the same outputs, and must
 * record the same inputs, or every Windows and Linux gen would rewrite the
 * manifest in turn.
 */
function addPart(hash: Hash, label: string, value: string | Buffer): void {
  const part = typeof value === 'string' ? value : withLfBytes(value);
  hash.update(`${label}\0${part.length}\0`);
  hash.update(part);
}

/** The hash of a config file as the inputs record it: its line endings do not count (see addPart). */
export function configFileHash(bytes: Buffer): string {
  return sha256Hex(withLfBytes(bytes));
}

/** `bytes` with every CRLF as LF (a copy only when there is a CR at all). */
function withLfBytes(bytes: Buffer): Buffer {
  if (!bytes.includes(13)) return bytes;
  return Buffer.from(bytes.toString('latin1').replaceAll('\r\n', '\n'), 'latin1');
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
    // read as gen reads it: a regular file within the limit, or the full run says why not
    const registry = source ? Buffer.from(source) : readRegularFile(config.source, { limit: maxSourceBytes });
    // a registry gen would refuse (one its diagram block grew past the limit, say) is never up to date
    if (registry.length > maxSourceBytes) return undefined;
    add('source', registry);
    if (config.file) add('config', config.fileHash ?? configFileHash(readRegularFile(config.file)));
  } catch {
    return undefined;
  }
  add('templates', templates);
  // compose-publishes-all-interfaces reads them: an edit must rerun the checks, not replay the manifest's warnings
  for (const { name, bytes } of composeFiles) add(`compose:${name}`, bytes);
  return hash.digest('hex');
}
