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
 * A directory is checked again (is it still at its place?) once per change
 * made through it: each call of `at`, `atBoth` (a rename, whose two names
 * often share a directory: the second check would look at the same moment
 * as the first, with nothing done in between) or each level `mkdirs` makes.
 * A directory opened during that change, through a parent checked in it, is
 * at its place by the open itself (O_NOFOLLOW, relative to the parent) and
 * is not checked a second time before the change it was opened for. The
 * window a check leaves (between it and the change) is the same either way.
 *
 * Inside a private directory this run made itself (`own`: made under a fresh
 * random name, then given mode 0700 and found empty), names are reached
 * through that directory's descriptor with their whole relative path, with
 * no check per directory. Nobody but root and this user can create, rename
 * or remove anything in it, nor look up a name in it: no link can appear on
 * the way, and none of its directories can be moved away (a move to another
 * directory needs write permission on the directory moved). The descriptor
 * was opened through the confined parent, without following a link, and the
 * directory is taken only when it is this user's, its mode is 0700 and it is
 * empty: a directory put in its place between the `mkdir` and the `open` is
 * never written into, and neither is one someone wrote into before its mode
 * was set (a descriptor opened before then gives nobody access after: the
 * kernel checks the mode at each use). The path to it, --out's parents
 * included, is never walked again while it is built: only its descriptor is
 * used. If it is moved away itself (with a parent that someone else may
 * move), what is written into it still lands only inside it, where nobody
 * else can look, and its rename into place goes through its parent,
 * confined as any other name: it is refused there. When it is complete, the
 * run gives it back the mode it was made with (the umask's, or a default
 * ACL's) and renames it into place; nothing is written into it after that.
 *
 * Where /proc/self/fd is not there (not Linux), paths are used as they are,
 * with the checks the plan made (write/paths.ts).
 */
import { closeSync, constants, existsSync, fstatSync, mkdirSync, openSync, readdirSync, readlinkSync, realpathSync } from 'node:fs';
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
const slash = path.sep.charCodeAt(0);
const available = process.platform === 'linux' && existsSync('/proc/self/fd');

/** A private directory (see above): its descriptor while open, and which directory it is, to know it again when it is opened anew. */
interface Private {
  fd: number | undefined;
  dev: number;
  ino: number;
}

export class Confinement {
  /** Directory path → its open descriptor; the first is the anchor. */
  private readonly opened = new Map<string, number>();
  /** Where the anchor really is: every directory opened under it must stay at its place there. */
  private readonly realAnchor: string;
  private readonly anchorPath: string;
  /** `anchorPath` and a separator: what every path under it starts with. */
  private readonly anchorPrefix: string;
  /** Directories under the anchor that `mkdirs` made or found there: 2,000 drop-in directories cost 2,000 mkdir calls, not one per level each. */
  private readonly present = new Set<string>();
  /** Private directories this run made (`own`), by path; at most `openLimit` of them open. */
  private readonly privates = new Map<string, Private>();
  /** The private directory the last name pinned was in. */
  private recentPrivate: string | undefined;
  /** How many changes have been made through this confinement: a descriptor checked during the current one is not checked again. */
  private change = 0;
  /** Descriptor → the change during which it was last found at its place. */
  private readonly checkedDuring = new Map<number, number>();

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
    this.anchorPrefix = anchor === path.sep ? path.sep : anchor + path.sep;
    this.realAnchor = realpathSync(anchor);
    this.opened.set(anchor, openSync(anchor, constants.O_RDONLY | constants.O_DIRECTORY));
  }

  /** Whether `file` is under the anchor, where this confinement pins names. */
  private covers(file: string): boolean {
    return file.startsWith(this.anchorPrefix);
  }

  /** The next change begins: every descriptor it goes through is checked again (once). */
  begin(): void {
    this.change++;
  }

  /** `file` as the kernel should reach it: through the open descriptor of its directory, or of the private directory it is in. */
  pin(file: string): string {
    const absolute = path.resolve(file);
    if (!this.covers(absolute)) return absolute;
    if (this.privates.size > 0) {
      // the private directory of the last name pinned first: a tree is built one file after another
      const recent = this.recentPrivate;
      if (recent !== undefined && absolute.startsWith(recent) && absolute.charCodeAt(recent.length) === slash && this.privates.has(recent)) {
        return `/proc/self/fd/${this.privateDescriptor(recent)}/${absolute.slice(recent.length + 1)}`;
      }
      for (let dir = path.dirname(absolute); dir.length > this.anchorPath.length; dir = path.dirname(dir)) {
        if (!this.privates.has(dir)) continue;
        this.recentPrivate = dir;
        return `/proc/self/fd/${this.privateDescriptor(dir)}/${absolute.slice(dir.length + 1)}`;
      }
    }
    const directory = this.open(path.dirname(absolute));
    return `/proc/self/fd/${directory}/${path.basename(absolute)}`;
  }

  /** Make `dir` and its missing parents under the anchor, each through its parent's descriptor (one change each). Returns the first it made. */
  mkdirs(dir: string): string | undefined {
    const absolute = path.resolve(dir);
    if (absolute === this.anchorPath || !this.covers(absolute)) return mkdirSync(absolute, { recursive: true });
    // the missing levels, found from the deepest up: a directory made for an earlier file is one lookup
    const missing: string[] = [];
    for (let current = absolute; current !== this.anchorPath && !this.present.has(current); current = path.dirname(current)) missing.push(current);
    let first: string | undefined;
    for (const current of missing.reverse()) {
      this.begin();
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

  /**
   * Take `dir`, just made by this run, as private (see above): opened through
   * its confined parent, never through a link; it must be this user's; then
   * `restrict` gives it mode 0700, and it is taken only when that mode holds
   * and it is still empty (nobody put anything in it before). Returns the
   * mode it was made with when `restrict` ran (to be given back before its
   * rename), else `undefined`. One that does not qualify (a file system
   * without permissions, say) stays confined name by name.
   */
  own(dir: string, restrict: () => void): number | undefined {
    const absolute = path.resolve(dir);
    if (!this.covers(absolute)) return undefined;
    this.begin();
    const fd = this.openPrivate(absolute);
    let taken = false;
    try {
      const made = fstatSync(fd);
      if (made.uid !== process.geteuid?.()) return undefined;
      restrict();
      const now = fstatSync(fd);
      if ((now.mode & 0o077) !== 0 || readdirSync(`/proc/self/fd/${fd}`).length > 0) return made.mode;
      this.privates.set(absolute, { fd, dev: now.dev, ino: now.ino });
      this.present.add(absolute);
      this.closeLeastRecentPrivate();
      taken = true;
      return made.mode;
    } finally {
      if (!taken) closeSync(fd);
    }
  }

  /** `dir` is no longer private (its mode is about to open it to others): from now on its names are confined one by one. */
  release(dir: string): void {
    const absolute = path.resolve(dir);
    const known = this.privates.get(absolute);
    if (known === undefined) return;
    if (known.fd !== undefined) closeSync(known.fd);
    this.privates.delete(absolute);
    for (const present of this.present) if (present.startsWith(absolute + path.sep)) this.present.delete(present);
  }

  /** A private directory's descriptor; one closed meanwhile is opened again through its parent, and refused unless it is the same directory. */
  private privateDescriptor(dir: string): number {
    const known = this.privates.get(dir)!;
    this.privates.delete(dir);
    this.privates.set(dir, known);
    if (known.fd !== undefined) return known.fd;
    const fd = this.openPrivate(dir);
    const stats = fstatSync(fd);
    if (stats.dev !== known.dev || stats.ino !== known.ino || (stats.mode & 0o077) !== 0) {
      closeSync(fd);
      throw new PortbookError(`Refusing to write in ${dir}: it was replaced while gen ran`);
    }
    known.fd = fd;
    this.closeLeastRecentPrivate();
    return fd;
  }

  private openPrivate(dir: string): number {
    return openIn(this.open(path.dirname(dir)), dir);
  }

  /** Close the private directories used longest ago while more than `openLimit` are open (they stay private, and are opened again when needed). */
  private closeLeastRecentPrivate(): void {
    let open = 0;
    for (const known of this.privates.values()) if (known.fd !== undefined) open++;
    for (const known of this.privates.values()) {
      if (open <= openLimit) return;
      if (known.fd === undefined) continue;
      closeSync(known.fd);
      known.fd = undefined;
      open--;
    }
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
    const fd = openIn(this.open(path.dirname(dir)), dir);
    this.opened.set(dir, fd);
    this.closeLeastRecent();
    // opened, during this change, through a parent found at its place during it: at its place (see above)
    this.checkedDuring.set(fd, this.change);
    return fd;
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

  /** `fd` if the directory is still at its place under the anchor (or is the anchor), else a refusal: it was moved while gen ran. Once per change. */
  private checked(dir: string, fd: number): number {
    if (dir === this.anchorPath || this.checkedDuring.get(fd) === this.change) return fd;
    const real = readlinkSync(`/proc/self/fd/${fd}`);
    const expected = path.join(this.realAnchor, path.relative(this.anchorPath, dir));
    if (real !== expected) {
      throw new PortbookError(`Refusing to write in ${dir}: it was moved (to ${real}) while gen ran`);
    }
    this.checkedDuring.set(fd, this.change);
    return fd;
  }

  /** Forget `dir` and everything opened under it (it was renamed or removed). */
  forget(dir: string): void {
    const absolute = path.resolve(dir);
    const under = (known: string): boolean => known === absolute || known.startsWith(absolute + path.sep);
    for (const known of this.present) if (under(known)) this.present.delete(known);
    for (const [opened, fd] of this.opened) {
      if (opened !== this.anchorPath && under(opened)) {
        closeSync(fd);
        this.opened.delete(opened);
      }
    }
    for (const [known, { fd }] of this.privates) {
      if (!under(known)) continue;
      if (fd !== undefined) closeSync(fd);
      this.privates.delete(known);
    }
  }

  close(): void {
    for (const fd of this.opened.values()) closeSync(fd);
    for (const { fd } of this.privates.values()) if (fd !== undefined) closeSync(fd);
    this.opened.clear();
    this.privates.clear();
  }
}

/** The directory `dir` opened through its parent's descriptor, never through a link. */
function openIn(parent: number, dir: string): number {
  try {
    return openSync(`/proc/self/fd/${parent}/${path.basename(dir)}`, directoryFlags);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'ENOTDIR') {
      throw new PortbookError(`Refusing to write through ${dir}: it is a link or not a directory now (did something change it while gen ran?)`);
    }
    throw error;
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

/** The path the disk primitives use for `file` (one change): pinned when a confinement is active. */
export function at(file: string): string {
  if (!active) return file;
  active.begin();
  return active.pin(file);
}

/** The paths for a change that names two (a rename): pinned, their directories checked once for both. */
export function atBoth(from: string, to: string): [string, string] {
  if (!active) return [from, to];
  active.begin();
  return [active.pin(from), active.pin(to)];
}

/** `mkdir -p` under the active confinement, else as node:fs does it. */
export function mkdirs(dir: string): string | undefined {
  return active ? active.mkdirs(dir) : mkdirSync(dir, { recursive: true });
}

/** Take `dir`, just made by this run, as private under the active confinement (see above); the mode it was made with, when `restrict` ran. */
export function own(dir: string, restrict: () => void): number | undefined {
  return active?.own(dir, restrict);
}

/** `dir` is about to be opened to others: no longer private. */
export function release(dir: string): void {
  active?.release(dir);
}

/** Tell the active confinement that `dir` was renamed or removed. */
export function forget(dir: string): void {
  active?.forget(dir);
}
