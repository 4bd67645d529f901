/**
 * The hash of everything that determines gen's outputs: portbook's version,
 * the paths (relative to the project root), the registry's bytes, the config
 * file's bytes and every template portbook would use. Recorded in the
 * manifest, it lets a run that finds it unchanged answer from hashes alone,
 * without loading the parser or the template engine. Light: node builtins only.
 */
import { createHash } from 'node:crypto';
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
 * `undefined` when an input cannot be read (the full run will say why).
 * `source`, when given, stands in for the registry's file: the bytes gen
 * parsed, or those it is about to write (its diagram block), so the hash
 * matches the file as the next run reads it.
 */
export function inputsHash(config: Config, source?: Uint8Array): string | undefined {
  const hash = createHash('sha256');
  const add = (label: string, value: string | Buffer): void => {
    hash.update(`${label}\0${value.length}\0`);
    hash.update(value);
  };
  const relative = (file: string): string => path.relative(config.root, file).split(path.sep).join('/');
  add('version', version);
  add('source-path', relative(config.source));
  add('out-path', relative(config.out));
  add('templates-path', relative(config.templates));
  try {
    add('source', source ? Buffer.from(source) : readFileSync(config.source));
    if (config.file) add('config', readFileSync(config.file));
  } catch {
    return undefined;
  }
  const builtin = path.join(packageRoot, 'templates');
  for (const [name, content] of templateEntries(builtin)) add(`builtin:${name}`, content);
  if (path.resolve(config.templates) !== path.resolve(builtin)) {
    for (const [name, content] of templateEntries(config.templates)) add(`project:${name}`, content);
  }
  return hash.digest('hex');
}
