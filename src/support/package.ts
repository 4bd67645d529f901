/**
 * Where portbook's own files are (templates, examples) and its version,
 * found from the running module so that the compiled modules in dist/ and
 * the bundle in dist/bundle/ find the same directory.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findPackageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'portbook') return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('portbook: cannot find its own package.json');
    dir = parent;
  }
}

/** The directory of portbook's package.json. */
export const packageRoot: string = findPackageRoot();

export const version: string = (JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
