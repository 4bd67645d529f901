/** The few git operations the workflow needs, through the git CLI (no shell). */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { PortbookError } from '../support/errors.js';
import { childProcess } from '../support/process.js';

function git(args: string[], cwd: string): string {
  try {
    return childProcess().execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const failure = error as { code?: string; stderr?: string };
    if (failure.code === 'ENOENT') throw new PortbookError('git is not installed or not on PATH');
    throw new PortbookError(`git ${args[0]} failed: ${(failure.stderr ?? String(error)).trim()}`);
  }
}

/**
 * Whether git could find a repository from `cwd`: a `.git` (directory or
 * file) there or in a directory above, or one that GIT_DIR names. Without
 * any, git would say there is none: every gen asks, and starting git to hear
 * it costs a process (a few milliseconds of a cold gen outside a repository).
 */
function mayBeInRepository(cwd: string): boolean {
  if (process.env.GIT_DIR !== undefined || process.env.GIT_WORK_TREE !== undefined) return true;
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, '.git'))) return true;
    if (path.dirname(dir) === dir) return false;
  }
}

/** The work tree's top directory, or `undefined` outside a git repository. */
export function repositoryRoot(cwd: string): string | undefined {
  if (!mayBeInRepository(cwd)) return undefined;
  try {
    return childProcess()
      .execFileSync('git', ['rev-parse', '--show-toplevel'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .trim();
  } catch {
    return undefined;
  }
}

/** Absolute paths of the files staged for the next commit (added, changed, renamed, deleted). */
export function stagedFiles(root: string): string[] {
  return git(['diff', '--cached', '--name-only', '-z', '--no-renames'], root)
    .split('\0')
    .filter(Boolean)
    .map((file) => path.join(root, file));
}

/**
 * Stage these paths as they are in the work tree now, deletions included.
 * Paths that .gitignore excludes (and git does not track yet) are left out
 * and returned: `git add` would refuse them.
 */
export function stage(root: string, files: readonly string[]): { ignored: string[] } {
  if (files.length === 0) return { ignored: [] };
  const relative = files.map((file) => path.relative(root, file));
  const ignored = new Set(ignoredPaths(root, relative));
  // a removed file git never tracked has nothing to stage, and `git add` would refuse its path
  const gone = relative.filter((file) => !ignored.has(file) && !existsSync(path.join(root, file)));
  const tracked = new Set(
    gone.length === 0
      ? []
      : git(['ls-files', '-z', '--', ...gone], root)
          .split('\0')
          .filter(Boolean),
  );
  const wanted = relative.filter((file) => !ignored.has(file) && (!gone.includes(file) || tracked.has(path.normalize(file))));
  if (wanted.length > 0) git(['add', '-A', '--', ...wanted], root);
  return { ignored: relative.filter((file) => ignored.has(file)).map((file) => path.join(root, file)) };
}

/** Untracked paths that an ignore rule excludes. */
function ignoredPaths(root: string, relative: readonly string[]): string[] {
  try {
    return childProcess()
      .execFileSync('git', ['check-ignore', '-z', '--stdin'], {
        cwd: root,
        input: relative.join('\0'),
        encoding: 'utf8',
        stdio: ['pipe', 'pipe', 'ignore'],
      })
      .split('\0')
      .filter(Boolean);
  } catch {
    return []; // exit 1: nothing is ignored
  }
}

export function setConfig(root: string, key: string, value: string): void {
  git(['config', key, value], root);
}

/** Paths among `files` whose work-tree content differs from the index (unstaged changes). */
export function unstaged(root: string, files: readonly string[]): string[] {
  if (files.length === 0) return [];
  return git(['diff', '--name-only', '-z', '--', ...files.map((file) => path.relative(root, file) || '.')], root)
    .split('\0')
    .filter(Boolean)
    .map((file) => path.join(root, file));
}

/** Whether git tracks `file` (it is in the index). */
export function isTracked(root: string, file: string): boolean {
  return git(['ls-files', '-z', '--', path.relative(root, file)], root) !== '';
}

/** `git commit <paths>` commits from a temporary index: what a hook stages there never reaches the real one. */
export function committingWithPathspec(): boolean {
  return /next-index-\d+\.lock$/.test(process.env.GIT_INDEX_FILE ?? '');
}

/**
 * What the index holds for each of `files` (the content the commit will
 * have), `undefined` where it holds nothing (a staged deletion). One
 * `git cat-file --batch` for all of them.
 */
export function stagedContents(root: string, files: readonly string[]): Map<string, string | undefined> {
  const contents = new Map<string, string | undefined>();
  if (files.length === 0) return contents;
  const names = files.map((file) => path.relative(root, file).split(path.sep).join('/'));
  let output: Buffer;
  try {
    output = childProcess().execFileSync('git', ['cat-file', '--batch'], {
      cwd: root,
      input: names.map((name) => `:${name}\n`).join(''),
      maxBuffer: 1 << 30,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  } catch (error) {
    const failure = error as { code?: string; stderr?: Buffer };
    if (failure.code === 'ENOENT') throw new PortbookError('git is not installed or not on PATH');
    throw new PortbookError(`git cat-file failed: ${(failure.stderr?.toString() ?? String(error)).trim()}`);
  }
  let offset = 0;
  for (const [index, file] of files.entries()) {
    const end = output.indexOf(0x0a, offset);
    if (end === -1) throw new PortbookError(`git cat-file answered for ${index} of ${files.length} files`);
    // `<oid> blob <size>`, or `<name> missing`
    const header = output.subarray(offset, end).toString('utf8');
    const size = /^[0-9a-f]+ blob (\d+)$/.exec(header)?.[1];
    if (size === undefined) {
      contents.set(file, undefined);
      offset = end + 1;
      continue;
    }
    contents.set(file, output.subarray(end + 1, end + 1 + Number(size)).toString('utf8'));
    offset = end + 1 + Number(size) + 1; // the content is followed by a newline
  }
  return contents;
}
