/**
 * The host as deploy and drift see it: every host path (`/etc/nginx/conf.d/…`,
 * as the host itself names it) lives under a root, `/` or `--root DIR` for
 * tests and dry runs, and never leaves it, by its letters or through a link.
 * Reading, copying a tree, checking that directories can be written, writing
 * and removing all go through here.
 */
import {
  accessSync,
  constants,
  copyFileSync,
  type Dirent,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmdirSync,
  statSync,
  unlinkSync,
} from 'node:fs';
import path from 'node:path';
import { PortbookError } from '../support/errors.js';
import { isDeadTemporary, replaceFile } from '../write/index.js';

/** The root as given, resolved; `/` when it is the machine itself. */
export function normaliseRoot(root: string | undefined, cwd: string): string {
  const resolved = path.resolve(cwd, root ?? '/');
  let stat: ReturnType<typeof statSync> | undefined;
  try {
    stat = statSync(resolved, { throwIfNoEntry: false });
  } catch (error) {
    throw new PortbookError(`Cannot read --root ${root}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  if (!stat)
    throw new PortbookError(`Cannot use --root ${root}: no such directory; create it (with the host's etc/nginx and etc/systemd/system), or fix the path`);
  if (!stat.isDirectory()) throw new PortbookError(`Cannot use --root ${root}: it is not a directory`);
  return resolved;
}

/** Whether `value` is a host path portbook takes: absolute, without `.`, `..` or empty parts, without NUL or backslash. */
export function isHostPath(value: string): boolean {
  if (!value.startsWith('/') || value === '/' || /[\0\\]/.test(value)) return false;
  return value
    .slice(1)
    .split('/')
    .every((part) => part !== '' && part !== '.' && part !== '..');
}

/** A host path as the root holds it: `/etc/x` under `/tmp/r` is `/tmp/r/etc/x`. */
function lexical(root: string, hostPath: string): string {
  if (!isHostPath(hostPath)) throw new PortbookError(`Refusing host path ${JSON.stringify(hostPath)}: expected an absolute path without . or .. parts`);
  return root === '/' ? hostPath : path.join(root, hostPath);
}

/** The host path of a local path under `root` (what a message shows): `/tmp/r/etc/x` → `/etc/x`; `undefined` when it is not under it. */
export function hostPathOf(root: string, local: string): string | undefined {
  if (root === '/') return local;
  if (local === root) return '/';
  return local.startsWith(`${root}/`) ? local.slice(root.length) : undefined;
}

/**
 * The local path of a host path under `root`, refused when the deepest part of
 * it that exists, followed through its links, lies outside the root (a link in
 * the root pointing at the real /etc), or when a directory on the way is a
 * link to nothing. A link to nothing in the file's own place is taken: a
 * write replaces the link itself, never what it names.
 */
export function onHost(root: string, hostPath: string): string {
  const local = lexical(root, hostPath);
  if (root === '/') return local;
  const realRoot = realpathSync(root);
  for (let probe = local; probe !== root; probe = path.dirname(probe)) {
    let entry: ReturnType<typeof lstatSync> | undefined;
    try {
      entry = lstatSync(probe, { throwIfNoEntry: false });
    } catch {
      return local; // a file where a directory should be: the read or write says so
    }
    if (!entry) continue;
    let real: string;
    try {
      real = realpathSync(probe);
    } catch (error) {
      if (entry.isSymbolicLink() && probe === local) return local;
      const why = entry.isSymbolicLink() ? 'is a link to nothing' : `cannot be read (${(error as NodeJS.ErrnoException).code})`;
      throw new PortbookError(`Refusing ${hostPath} under --root ${root}: ${probe} ${why}`);
    }
    if (real !== realRoot && !real.startsWith(`${realRoot}/`)) {
      throw new PortbookError(
        `Refusing ${hostPath} under --root ${root}: ${probe} links outside the root (to ${real}); portbook reads and writes only under --root: make the link relative, or copy what it names into the root`,
      );
    }
    return local;
  }
  return local;
}

/** Permission problems are I/O errors (exit 2) that say which path and what to do. */
function permissionError(local: string, code: string, doing: string): PortbookError {
  return new PortbookError(
    `Cannot ${doing} ${local} (${code}): this user may not; run portbook as a user who may (root, with sudo), or try it first under --root DIR. Nothing was written.`,
  );
}

/** The text at a host path, or `undefined` when nothing is there. */
export function readHost(root: string, hostPath: string): string | undefined {
  const local = onHost(root, hostPath);
  try {
    return readFileSync(local, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    if (code === 'EACCES' || code === 'EPERM') throw permissionError(local, code, 'read');
    if (code === 'EISDIR') throw new PortbookError(`Cannot use ${local}: a directory is where portbook's file goes; move it`);
    throw new PortbookError(`Cannot read ${local}: ${code}`);
  }
}

/** The directory a write of `local` needs to write in: its own, else the deepest one above it that exists (where the missing ones are made). */
function writtenDirectory(local: string): string {
  let directory = path.dirname(local);
  while (directory !== path.dirname(directory) && !existsQuietly(directory)) directory = path.dirname(directory);
  return directory;
}

function existsQuietly(file: string): boolean {
  try {
    return lstatSync(file, { throwIfNoEntry: false }) !== undefined;
  } catch {
    return false;
  }
}

/** Check, before anything is written, that every directory the writes and removals need may be written by this user (exit 2 naming the first that may not). */
export function checkWritable(root: string, hostPaths: Iterable<string>): void {
  const seen = new Set<string>();
  for (const hostPath of hostPaths) {
    const directory = writtenDirectory(onHost(root, hostPath));
    if (seen.has(directory)) continue;
    seen.add(directory);
    try {
      accessSync(directory, constants.W_OK);
    } catch (error) {
      throw permissionError(directory, (error as NodeJS.ErrnoException).code ?? 'EACCES', 'write in');
    }
  }
}

/** Replace a host file atomically (src/write's replaceFile), making its directory first when it is missing. */
export function writeHost(root: string, hostPath: string, content: string): void {
  const local = onHost(root, hostPath);
  try {
    mkdirSync(path.dirname(local), { recursive: true, mode: 0o755 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    if (code === 'EACCES' || code === 'EPERM') throw permissionError(path.dirname(local), code, 'create');
    throw new PortbookError(`Cannot create ${path.dirname(local)}: ${code}`);
  }
  replaceFile(local, content);
}

/** Remove a host file, and the directories it leaves empty up to (not including) `keep`, its target's directory. */
export function removeHost(root: string, hostPath: string, keep: string): void {
  const local = onHost(root, hostPath);
  try {
    unlinkSync(local);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    if (code === 'ENOENT') return;
    throw new PortbookError(`Cannot remove ${local}: ${code}`);
  }
  const stop = lexical(root, keep);
  for (let directory = path.dirname(local); directory.startsWith(`${stop}/`); directory = path.dirname(directory)) {
    try {
      if (readdirSync(directory).length > 0) return;
      rmdirSync(directory);
    } catch {
      return;
    }
  }
}

/**
 * Copy the host directory `hostDir` (under `root`) to `to`, following links
 * that stay inside the root (a link out is refused, as for any host path) and
 * copying what they name; a directory reached twice is copied once. Only
 * files and directories are copied. Returns the host paths of the files copied.
 */
export function copyHostTree(root: string, hostDir: string, to: string): string[] {
  const copied: string[] = [];
  const visited = new Set<string>();
  const walk = (host: string, target: string): void => {
    const local = onHost(root, host);
    const real = realpathSync(local);
    if (visited.has(real)) return;
    visited.add(real);
    mkdirSync(target, { recursive: true });
    let entries: Dirent[];
    try {
      entries = readdirSync(local, { withFileTypes: true });
    } catch (error) {
      throw new PortbookError(`Cannot read ${local}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const childHost = `${host === '/' ? '' : host}/${entry.name}`;
      const childLocal = onHost(root, childHost);
      let stat: ReturnType<typeof statSync> | undefined;
      try {
        stat = statSync(childLocal, { throwIfNoEntry: false });
      } catch {
        stat = undefined;
      }
      if (!stat) continue; // a link to nothing: nginx would not read it either
      if (stat.isDirectory()) walk(childHost, path.join(target, entry.name));
      else if (stat.isFile()) {
        copyFileSync(childLocal, path.join(target, entry.name));
        copied.push(childHost);
      }
    }
  };
  walk(hostDir, to);
  return copied;
}

/** Whether a directory exists at a host path (a link to one inside the root counts). */
export function isHostDirectory(root: string, hostPath: string): boolean {
  try {
    return statSync(onHost(root, hostPath), { throwIfNoEntry: false })?.isDirectory() === true;
  } catch {
    return false;
  }
}

/** The names in a host directory (files and links to them; directories with `directories`), sorted; none when it is missing. */
export function listHost(root: string, hostDir: string, directories = false): string[] {
  let local: string;
  try {
    local = onHost(root, hostDir);
  } catch {
    return []; // a directory that leaves the root is not the root's: nothing there to read
  }
  let entries: Dirent[];
  try {
    entries = readdirSync(local, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((entry) => {
      if (entry.isSymbolicLink()) {
        try {
          const stat = statSync(path.join(local, entry.name));
          return directories ? stat.isDirectory() : stat.isFile();
        } catch {
          return false;
        }
      }
      return directories ? entry.isDirectory() : entry.isFile();
    })
    .map((entry) => entry.name)
    .sort();
}

/**
 * Remove what killed runs left beside these host files: their temporaries
 * (`.NAME.portbook-PID-HEX.tmp`, src/write), only of these files' names and
 * only of runs no longer alive. Returns the host paths removed.
 */
export function removeDeadTemporaries(root: string, hostPaths: Iterable<string>): string[] {
  const byDirectory = new Map<string, Set<string>>();
  for (const hostPath of hostPaths) {
    const dir = path.posix.dirname(hostPath);
    byDirectory.set(dir, (byDirectory.get(dir) ?? new Set()).add(path.posix.basename(hostPath)));
  }
  const removed: string[] = [];
  for (const [dir, names] of byDirectory) {
    for (const entry of listHost(root, dir)) {
      if (![...names].some((name) => isDeadTemporary(entry, name))) continue;
      try {
        unlinkSync(onHost(root, `${dir}/${entry}`));
        removed.push(`${dir}/${entry}`);
      } catch {
        // gone already, or not ours to remove: the next run tries again
      }
    }
  }
  return removed;
}
