/**
 * Output paths: an out-relative path resolved to an absolute one, refused
 * when it would land outside `out` (by its letters or through a link).
 */
import { type Dirent, lstatSync, readdirSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { PortbookError } from '../support/errors.js';

/**
 * What one plan or apply has learnt about the directories under `out`: which
 * are proven to be real directories inside it, and which do not exist. Each
 * directory is then checked once, not once per file in it (2,000 drop-in
 * directories would otherwise cost tens of thousands of system calls).
 */
export type InsideCache = Map<string, 'inside' | 'missing'>;

/**
 * What one plan has read of the directories proven inside `out`: absolute
 * directory → its entries by exact name, as `readdir` with file types gave
 * them (`undefined`: it could not be read). A real directory (not a link)
 * listed in a directory proven inside is inside too, and a name listed as
 * anything but a link is not a link: `resolveInside` then needs no `lstat`
 * or `realpath` of its own for them. A name the listing lacks is checked as
 * before. Only for reading: `apply` proves again what it writes through.
 */
export type Listings = Map<string, Map<string, Dirent> | undefined>;

/** The entries of `directory` (proven inside), read once per plan. */
export function listingOf(directory: string, listings: Listings): Map<string, Dirent> | undefined {
  if (listings.has(directory)) return listings.get(directory);
  let entries: Map<string, Dirent> | undefined;
  try {
    entries = readListing(directory);
  } catch {
    entries = undefined; // gone, or not a directory: the checks that follow say what it is
  }
  listings.set(directory, entries);
  return entries;
}

/** `directory`'s entries by name, with their types (throws as readdir does). */
export function readListing(directory: string): Map<string, Dirent> {
  return new Map(readdirSync(directory, { withFileTypes: true }).map((entry) => [entry.name, entry]));
}

/** Whether `directory` is a real directory in one proven inside, by the listings (listing its parents as needed); then it is cached inside. */
function insideByListing(directory: string, root: string, cache: InsideCache, listings: Listings): boolean {
  if (!directory.startsWith(root + path.sep)) return false;
  const parent = path.dirname(directory);
  if (parent !== root && cache.get(parent) !== 'inside' && !insideByListing(parent, root, cache, listings)) return false;
  const entry = listingOf(parent, listings)?.get(path.basename(directory));
  if (entry === undefined || !entry.isDirectory()) return false;
  cache.set(directory, 'inside');
  return true;
}

/** Whether `file` is a link: its directory's listing says so when it lists the name, else an `lstat`. */
function isLink(file: string, listings: Listings | undefined): boolean {
  const entry = listings ? listingOf(path.dirname(file), listings)?.get(path.basename(file)) : undefined;
  return entry === undefined ? isSymbolicLink(file) : entry.isSymbolicLink();
}

/**
 * Resolve an out-relative path and refuse anything that would land outside
 * `out`: absolute paths, `..`, NUL, and existing symlinks pointing out. With
 * `leaf` false, only its directories are checked: the caller reads the file
 * without following a link (`readUnlessLink`) and checks it whole when it is one.
 */
export function resolveInside(out: string, relative: string, cache: InsideCache = new Map(), listings?: Listings, leaf = true): string {
  const target = lexicalTarget(out, relative);
  const root = resolvedRoot(out);
  const directory = path.dirname(target);
  // nothing exists yet: nothing can link anywhere (a file in the way is left for the read or write to report)
  const rootState = cache.get(root) ?? probe(root);
  if (rootState === 'blocked') return target;
  if (rootState === 'missing') {
    if (!cache.has(root)) refuseDanglingLink(root, relative);
    cache.set(root, 'missing');
    cache.set(directory, 'missing');
    return target;
  }
  cache.set(root, 'inside'); // it exists, and is inside itself: no second stat for the next file
  const known = cache.get(directory);
  // in a directory that does not exist, nothing can link anywhere
  if (known === 'missing') return target;
  // in a directory proven inside, only the file itself could still be a link
  if (known === 'inside' || (listings !== undefined && insideByListing(directory, root, cache, listings))) {
    if (leaf && isLink(target, listings)) proveInside(target, root, relative, out);
    return target;
  }
  // The deepest existing directory must really be inside `out` (and then the file itself, if it is a link).
  let deepest = directory;
  // remembered as missing only once the directory above them is proven inside: a refusal must hold for every later call
  const missing: string[] = [];
  for (;;) {
    if (deepest === root || cache.get(deepest) === 'inside') break;
    // known missing: the directories above it were proven when it was learnt
    if (cache.get(deepest) === 'missing') {
      for (const each of missing) cache.set(each, 'missing');
      return target;
    }
    const state = probeEntry(deepest, relative);
    if (state === 'blocked') return target;
    if (state === 'exists') break;
    missing.push(deepest);
    deepest = path.dirname(deepest);
  }
  if (cache.get(deepest) !== 'inside') {
    proveInside(deepest, root, relative, out);
    cache.set(deepest, 'inside');
  }
  for (const each of missing) cache.set(each, 'missing');
  if (leaf && deepest === directory && isLink(target, listings)) proveInside(target, root, relative, out);
  return target;
}

/**
 * `probe` for a directory on an output's path, in one system call when it is
 * missing: a link there is followed, and refused when it leads nowhere.
 */
function probeEntry(directory: string, relative: string): 'exists' | 'missing' | 'blocked' {
  let entry: ReturnType<typeof lstatSync>;
  try {
    entry = lstatSync(directory, { throwIfNoEntry: false });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') return 'blocked';
    throw error;
  }
  if (entry === undefined) return 'missing';
  if (!entry.isSymbolicLink()) return 'exists';
  const state = probe(directory);
  if (state === 'missing') refuseDanglingLink(directory, relative);
  return state;
}

/**
 * Whether a path exists, is missing, or cannot exist because a file stands
 * where a directory of its path should be. A loop of links is refused.
 */
export function probe(file: string): 'exists' | 'missing' | 'blocked' {
  try {
    return statSync(file, { throwIfNoEntry: false }) === undefined ? 'missing' : 'exists';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') return 'blocked';
    if (code === 'ELOOP') refuseLoop(file);
    throw error;
  }
}

/** A link on the way that leads back to itself (`generated/nginx -> nginx`): nothing can be read or written through it. */
function refuseLoop(file: string, relative?: string): never {
  const loop = `${file} is a link that leads back to itself (a loop of symbolic links); remove the link, or point it at a real directory or file`;
  throw new PortbookError(relative === undefined ? `Unexpected loop of links: ${loop}` : `Refusing output path ${JSON.stringify(relative)}: ${loop}`);
}

/** A segment of an out-relative path that is empty, `.` or `..`. */
const unplainSegment = /(?:^|\/)\.{0,2}(?:\/|$)/;

/** The absolute path of an out-relative one, refused when it is absolute, climbs with `..` or would leave `out` by its letters alone. */
export function lexicalTarget(out: string, relative: string): string {
  if (relative === '' || relative.includes('\0') || relative.includes('\\') || path.isAbsolute(relative) || unplainSegment.test(relative)) {
    throw new PortbookError(`Refusing output path ${JSON.stringify(relative)}: it must stay inside ${out}`);
  }
  const root = resolvedRoot(out);
  const prefix = root.endsWith(path.sep) ? root : root + path.sep;
  // on POSIX every segment is a plain name (checked above): joined, not normalised (path.resolve was a tenth of a plan);
  // elsewhere path.resolve still says what a segment such as `C:x` means
  const target = path.sep === '/' ? prefix + relative : path.resolve(root, ...relative.split('/'));
  if (!target.startsWith(prefix)) {
    throw new PortbookError(`Refusing output path ${JSON.stringify(relative)}: it resolves outside ${out}`);
  }
  return target;
}

/** `path.resolve(out)`, for the `out` of the last call: a plan resolves thousands of paths under the same one. */
let lastRoot: { out: string; cwd: string; root: string } | undefined;
function resolvedRoot(out: string): string {
  const cwd = process.cwd();
  if (lastRoot === undefined || lastRoot.out !== out || lastRoot.cwd !== cwd) lastRoot = { out, cwd, root: path.resolve(out) };
  return lastRoot.root;
}

/** A directory of an output's path that is a link to nothing: gen could neither create it nor tell where it leads. */
function refuseDanglingLink(directory: string, relative: string): void {
  if (isSymbolicLink(directory)) {
    throw new PortbookError(
      `Refusing output path ${JSON.stringify(relative)}: ${directory} is a link to nothing; remove the link, or create what it points to`,
    );
  }
}

/**
 * Refuse `probe` unless its real path is `root`'s or under it. realpath(3) in
 * one system call each (`.native`): Node's own realpathSync takes an lstat per
 * part of the path, and this runs once per output directory.
 */
function proveInside(probe: string, root: string, relative: string, out: string): void {
  let realRoot: string;
  try {
    realRoot = realpathSync.native(root);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') refuseLoop(root, relative);
    throw error;
  }
  let real: string;
  try {
    real = realpathSync.native(probe);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // a link to nothing: the rename replaces the link itself, it never writes through it
    if (code === 'ENOENT' && isSymbolicLink(probe)) return;
    if (code === 'ELOOP') refuseLoop(probe, relative);
    // it was there a moment ago (the caller found it): something moved it while gen ran
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new PortbookError(
        `Refusing output path ${JSON.stringify(relative)}: ${probe} changed while gen ran (it is gone, or no longer a directory); run gen again`,
      );
    }
    throw error;
  }
  if (real !== realRoot && !real.startsWith(realRoot + path.sep)) {
    throw new PortbookError(`Refusing output path ${JSON.stringify(relative)}: ${probe} links outside ${out}`);
  }
}

function isSymbolicLink(file: string): boolean {
  try {
    return lstatSync(file).isSymbolicLink();
  } catch {
    return false;
  }
}

/** A file name as case- and normalization-insensitive file systems (APFS, NTFS) compare them. */
export function foldName(name: string): string {
  // ASCII is its own NFC: the normalisation is skipped for the usual name
  return (/^[\x00-\x7f]*$/.test(name) ? name : name.normalize('NFC')).toLowerCase();
}
