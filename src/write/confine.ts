/**
 * Writes that stay inside --out at the moment they happen, not only when the
 * plan was made. Someone who can write inside the output directory could swap
 * one of its directories for a link while gen runs; a path checked a moment
 * earlier would then lead out. So every change to the disk under --out is made
 * through directories opened one by one, each relative to the one above it
 * and never through a link (O_NOFOLLOW | O_DIRECTORY): on Linux a name is
 * reached as `/proc/self/fd/<directory>/<name>`, which the kernel resolves
 * through the opened directory, whatever its path has become. A directory
 * that was swapped for a link is refused; one moved out from under --out is
 * refused before anything is created or renamed in it.
 *
 * Where /proc/self/fd is not there (not Linux), paths are used as they are,
 * with the checks the plan made (write/paths.ts).
 */
import { closeSync, constants, existsSync, mkdirSync, openSync, readlinkSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { PortbookError } from '../support/errors.js';

const directoryFlags = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

/**
 * Directories kept open at once, the least recently used closed beyond it: a
 * gen of 2,000 services writes into 2,000 drop-in directories, past the usual
 * limit of 1,024 descriptors a process may hold. A closed one is opened again
 * when needed, through its parent and checked, as the first time.
 */
const openLimit = 128;
const available = process.platform === 'linux' && existsSync('/proc/self/fd');

export class Confinement {
  /** Directory path → its open descriptor; the first is the anchor. */
  private readonly opened = new Map<string, number>();
  /** Where the anchor really is: every directory opened under it must stay at its place there. */
  private readonly realAnchor: string;
  private readonly anchorPath: string;
  /** Directories under the anchor that `mkdirs` made or found there: 2,000 drop-in directories cost 2,000 mkdir calls, not one per level each. */
  private readonly present = new Set<string>();

  /**
   * The anchor is --out itself when it exists (a link there is the user's
   * choice, and followed), else the nearest directory above it that exists
   * (where --out and its parents are built). Under the anchor nothing is
   * followed.
   */
  constructor(out: string) {
    let anchor = path.resolve(out);
    while (!existsSync(anchor) && path.dirname(anchor) !== anchor) anchor = path.dirname(anchor);
    this.anchorPath = anchor;
    this.realAnchor = realpathSync(anchor);
    this.opened.set(anchor, openSync(anchor, constants.O_RDONLY | constants.O_DIRECTORY));
  }

  /** Whether `file` is under the anchor, where this confinement pins names. */
  private covers(file: string): boolean {
    return file.startsWith(this.anchorPath === path.sep ? path.sep : this.anchorPath + path.sep);
  }

  /** `file` as the kernel should reach it: through the open descriptor of its directory. */
  pin(file: string): string {
    const absolute = path.resolve(file);
    if (!this.covers(absolute)) return absolute;
    const directory = this.open(path.dirname(absolute));
    return `/proc/self/fd/${directory}/${path.basename(absolute)}`;
  }

  /** Make `dir` and its missing parents under the anchor, each through its parent's descriptor. Returns the first it made. */
  mkdirs(dir: string): string | undefined {
    const absolute = path.resolve(dir);
    if (absolute === this.anchorPath || !this.covers(absolute)) return mkdirSync(absolute, { recursive: true });
    let first: string | undefined;
    const parts = path.relative(this.anchorPath, absolute).split(path.sep);
    for (let i = 1; i <= parts.length; i++) {
      const current = path.join(this.anchorPath, ...parts.slice(0, i));
      if (this.present.has(current)) continue;
      try {
        mkdirSync(this.pin(current));
        first ??= current;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      this.present.add(current);
    }
    return first;
  }

  /** The descriptor of `dir`, opened through its parent's and never through a link; checked to be where it should be. */
  private open(dir: string): number {
    const known = this.opened.get(dir);
    if (known !== undefined) {
      // the most recently used last: the one to close, when too many are open, is the first
      this.opened.delete(dir);
      this.opened.set(dir, known);
      return this.checked(dir, known);
    }
    const parent = this.open(path.dirname(dir));
    let fd: number;
    try {
      fd = openSync(`/proc/self/fd/${parent}/${path.basename(dir)}`, directoryFlags);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ELOOP' || code === 'ENOTDIR') {
        throw new PortbookError(`Refusing to write through ${dir}: it is a link or not a directory now (did something change it while gen ran?)`);
      }
      throw error;
    }
    this.opened.set(dir, fd);
    this.closeLeastRecent();
    return this.checked(dir, fd);
  }

  /** Close the directories used longest ago while more than `openLimit` are open (never the anchor, nor one just used). */
  private closeLeastRecent(): void {
    for (const [dir, fd] of this.opened) {
      if (this.opened.size <= openLimit) return;
      if (dir === this.anchorPath) continue;
      closeSync(fd);
      this.opened.delete(dir);
    }
  }

  /** `fd` if the directory is still at its place under the anchor (or is the anchor), else a refusal: it was moved while gen ran. */
  private checked(dir: string, fd: number): number {
    if (dir === this.anchorPath) return fd;
    const real = readlinkSync(`/proc/self/fd/${fd}`);
    const expected = path.join(this.realAnchor, path.relative(this.anchorPath, dir));
    if (real !== expected) {
      throw new PortbookError(`Refusing to write in ${dir}: it was moved (to ${real}) while gen ran`);
    }
    return fd;
  }

  /** Forget `dir` and everything opened under it (it was renamed or removed). */
  forget(dir: string): void {
    const absolute = path.resolve(dir);
    for (const known of this.present) if (known === absolute || known.startsWith(absolute + path.sep)) this.present.delete(known);
    for (const [opened, fd] of this.opened) {
      if (opened !== this.anchorPath && (opened === absolute || opened.startsWith(absolute + path.sep))) {
        closeSync(fd);
        this.opened.delete(opened);
      }
    }
  }

  close(): void {
    for (const fd of this.opened.values()) closeSync(fd);
    this.opened.clear();
  }
}

let active: Confinement | undefined;

/** Run `body` with every change to the disk under `out` confined (see above); nothing changes elsewhere. */
export function confined<T>(out: string, body: () => T): T {
  if (!available || active) return body();
  active = new Confinement(out);
  try {
    return body();
  } finally {
    active.close();
    active = undefined;
  }
}

/** The path the disk primitives use for `file`: pinned when a confinement is active. */
export function at(file: string): string {
  return active ? active.pin(file) : file;
}

/** `mkdir -p` under the active confinement, else as node:fs does it. */
export function mkdirs(dir: string): string | undefined {
  return active ? active.mkdirs(dir) : mkdirSync(dir, { recursive: true });
}

/** Tell the active confinement that `dir` was renamed or removed. */
export function forget(dir: string): void {
  active?.forget(dir);
}
