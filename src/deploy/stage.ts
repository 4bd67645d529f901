/**
 * A host's configuration directories copied into a scratch directory, for a
 * check that loads them as the host would (nginx.ts, caddy.ts): each host
 * directory's copy, the candidates written in place and the files that go
 * taken out, the staged path of a host path, and the copy's paths shown as
 * the host's again. Also how a main file's include patterns are matched.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { copyHostTree, isHostDirectory } from './host.js';

/** Whether `file` is `dir` or under it (host paths). */
export const inside = (file: string, dir: string): boolean => file === dir || file.startsWith(`${dir}/`);

/** A host directory and where its copy is. */
export interface Tree {
  host: string;
  staged: string;
}

export interface Staged {
  trees: Tree[];
  /** The staged path of a host path (a pattern such as `/etc/nginx/conf.d/*.conf` too), if it is in a copied tree. */
  stagedPath(host: string): string | undefined;
  /** `text` with the copies' paths shown as the host's. */
  asHost(text: string): string;
  /** Every file under the copies. */
  files(): string[];
}

/** Every file under a directory. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : entry.isFile() ? [full] : [];
  });
}

/**
 * Copy each host directory in `hosts` (under `root`; one that is missing as
 * an empty directory) into `scratch`, then put `candidates` (host path →
 * text) in place and take `removed` out.
 */
export function stageTrees(
  root: string,
  hosts: readonly string[],
  scratch: string,
  candidates: ReadonlyMap<string, string>,
  removed: ReadonlySet<string>,
): Staged {
  const trees = hosts.map((host, index) => ({ host, staged: path.join(scratch, `tree${index}`) }));
  const stagedPath = (host: string): string | undefined => {
    const tree = trees.find((each) => inside(host, each.host));
    return tree && tree.staged + host.slice(tree.host.length);
  };
  for (const tree of trees) {
    if (isHostDirectory(root, tree.host)) copyHostTree(root, tree.host, tree.staged);
    else mkdirSync(tree.staged, { recursive: true });
  }
  for (const [host, content] of candidates) {
    const staged = stagedPath(host);
    if (staged === undefined) continue;
    mkdirSync(path.dirname(staged), { recursive: true });
    writeFileSync(staged, content);
  }
  for (const host of removed) {
    const staged = stagedPath(host);
    if (staged !== undefined) rmSync(staged, { force: true });
  }
  return {
    trees,
    stagedPath,
    asHost: (text) => trees.reduce((shown, tree) => shown.replaceAll(tree.staged, tree.host), text),
    files: () => trees.flatMap((tree) => filesUnder(tree.staged)),
  };
}

/** A glob of an include line (`*`, `?` within one path part) as a regular expression. */
function globPattern(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|\\[\]]/g, '\\$&')
    .replaceAll('*', '[^/]*')
    .replaceAll('?', '[^/]');
  return new RegExp(`^${body}$`);
}

/** Whether one of the include patterns (absolute host paths and globs) takes `hostPath`. */
export function includedBy(patterns: readonly string[], hostPath: string): boolean {
  return patterns.some((pattern) => globPattern(pattern).test(hostPath));
}
