/**
 * The hash of everything that determines gen's outputs: portbook's version,
 * the paths (relative to the project root), the registry's bytes, the config
 * file's bytes and every template portbook would use. Recorded in the
 * manifest, it lets a run that finds it unchanged answer from hashes alone,
 * without loading the parser or the template engine. Light: node builtins only.
 */
import { createHash, type Hash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from './config.js';
import { packageRoot, version } from './package.js';

function templateEntries(dir: string): Array<[string, Buffer]> {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((name) => name.endsWith('.hbs'))
    .sort()
    .flatMap((name): Array<[string, Buffer]> => {
      try {
        return [[name, readFileSync(path.join(dir, name))]];
      } catch {
        return []; // a directory named *.hbs: the full run reports it
      }
    });
}

/**
 * The templates portbook would use, hashed: the package's and, when it is
 * another directory, the project's. `build` takes it before it loads the
 * templates, so an edit saved in between makes the recorded hash older than
 * the outputs (a needless rerun), never newer (stale outputs passed as fresh).
 */
export function templatesHash(config: Config): string {
  const hash = createHash('sha256');
  const builtin = path.join(packageRoot, 'templates');
  for (const [name, content] of templateEntries(builtin)) addPart(hash, `builtin:${name}`, content);
  if (path.resolve(config.templates) !== path.resolve(builtin)) {
    for (const [name, content] of templateEntries(config.templates)) addPart(hash, `project:${name}`, content);
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
 * templates were loaded.
 */
export function inputsHash(config: Config, source?: Uint8Array, templates: string = templatesHash(config)): string | undefined {
  const hash = createHash('sha256');
  const add = (label: string, value: string | Buffer): void => addPart(hash, label, value);
  const relative = (file: string): string => path.relative(config.root, file).split(path.sep).join('/');
  add('version', version);
  add('source-path', relative(config.source));
  add('out-path', relative(config.out));
  add('templates-path', relative(config.templates));
  try {
    add('source', source ? Buffer.from(source) : readFileSync(config.source));
    if (config.file) add('config', config.fileHash ?? createHash('sha256').update(readFileSync(config.file)).digest('hex'));
  } catch {
    return undefined;
  }
  add('templates', templates);
  return hash.digest('hex');
}
