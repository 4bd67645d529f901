/**
 * Stage 5, write: compare the rendered files with the disk, then replace
 * only what changed, atomically.
 *
 * Every changed file is first written in full to a temporary file beside
 * its target and flushed (a directory that does not exist yet is built
 * whole under a temporary name beside where it goes); only when all of them
 * exist are they renamed into place, so a failure before that point
 * replaces nothing, and a killed run leaves only temporaries, which the
 * next run finds by their name and removes. Unchanged files
 * are not touched (their mtime stays). A manifest in the output directory
 * lists what portbook wrote, so outputs it no longer renders can be removed
 * without ever deleting a file it did not make.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  type Dirent,
  fsyncSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PortbookError } from '../support/errors.js';
import { stamp, stampPlaceholder, verifyStamp } from '../render/stamp.js';

export const manifestName = '.portbook-manifest.json';

export interface Manifest {
  /** `portbook:sha256:<hex>` of the manifest itself (see stamp.ts): a manifest changed by hand or by a merge is not trusted to say nothing changed. */
  stamp?: string;
  /** The source the outputs came from, as headers show it. */
  source: string;
  /** SHA-256 of everything that determines the outputs (see inputs.ts): equal means gen would write the same. */
  inputs?: string;
  /** The registry's warnings, so a run that finds nothing changed can still show them. */
  warnings?: ManifestWarning[];
  /** Out-relative path → SHA-256 of the content portbook wrote. */
  files: Record<string, string>;
}

export type ChangeKind = 'create' | 'update' | 'remove';

export interface Change {
  path: string;
  kind: ChangeKind;
  /** Content on disk now (`undefined` when missing). */
  before: string | undefined;
  /** Content portbook wants (`undefined` for removals). */
  after: string | undefined;
}

/** A file gen must not replace: edited by hand since portbook wrote it, or never written by portbook. */
export interface Conflict {
  path: string;
  reason: 'edited' | 'foreign';
  before: string;
  after: string;
}

export interface Plan {
  out: string;
  changes: Change[];
  unchanged: string[];
  /** Files the manifest lists that portbook no longer renders but that were edited since: left alone. */
  kept: string[];
  /** Files that stand where an output goes and must not be replaced; `apply` refuses a plan with any. */
  conflicts: Conflict[];
  /** Temporaries (files, and directories being built) a killed run left among the outputs, out-relative; `apply` removes them. */
  debris: string[];
  /** The output directory itself, as a killed first run was building it beside `out` (absolute paths); `apply` removes them. */
  debrisBeside: string[];
}

export interface PlanOptions {
  /** Replace outputs edited by hand (files portbook never wrote are still never replaced). */
  force?: boolean;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export interface ManifestWarning {
  line: number;
  column: number;
  message: string;
  ruleId: string;
}

/** The manifest content for a set of rendered files (itself excluded). */
export function manifestFor(
  files: ReadonlyMap<string, string>,
  source: string,
  inputs?: string,
  warnings: readonly ManifestWarning[] = [],
): string {
  const manifest: Manifest = {
    stamp: stampPlaceholder,
    source,
    ...(inputs ? { inputs } : {}),
    warnings: [...warnings],
    files: Object.create(null) as Record<string, string>,
  };
  for (const [file, content] of files) if (file !== manifestName) manifest.files[file] = sha256(content);
  return stamp(`${JSON.stringify(manifest, null, 2)}\n`);
}

/**
 * The manifest in `out`, or `undefined` when there is none or it cannot be
 * parsed. With `intact`, also `undefined` unless its stamp matches: the fast
 * path answers only from a manifest exactly as gen wrote it.
 */
export function readManifest(out: string, intact = false): Manifest | undefined {
  const text = readIfExists(path.join(out, manifestName));
  if (text === undefined) return undefined;
  if (intact && verifyStamp(text) !== 'intact') return undefined;
  return parseManifest(text);
}

/** A manifest's text as a Manifest, or `undefined` when it cannot be parsed. */
export function parseManifest(text: string): Manifest | undefined {
  try {
    const value = JSON.parse(text) as Partial<Manifest>;
    if (typeof value.files !== 'object' || value.files === null) return undefined;
    return {
      source: String(value.source ?? ''),
      ...(typeof value.inputs === 'string' ? { inputs: value.inputs } : {}),
      warnings: Array.isArray(value.warnings) ? value.warnings : [],
      files: value.files as Record<string, string>,
    };
  } catch {
    return undefined; // a broken manifest only means portbook removes nothing
  }
}

function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'EISDIR') throw new PortbookError(`Cannot write ${file}: a directory is in the way`);
    if (code === 'ENOTDIR') throw new PortbookError(`Cannot write ${file}: part of its path is a file, not a directory`);
    throw new PortbookError(`Cannot read ${file}: ${code ?? String(error)}`);
  }
}

/**
 * What one plan or apply has learnt about the directories under `out`: which
 * are proven to be real directories inside it, and which do not exist. Each
 * directory is then checked once, not once per file in it (2,000 drop-in
 * directories would otherwise cost tens of thousands of system calls).
 */
export type InsideCache = Map<string, 'inside' | 'missing'>;

/**
 * Resolve an out-relative path and refuse anything that would land outside
 * `out`: absolute paths, `..`, NUL, and existing symlinks pointing out.
 */
export function resolveInside(out: string, relative: string, cache: InsideCache = new Map()): string {
  const target = lexicalTarget(out, relative);
  const root = path.resolve(out);
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
  if (known === 'inside') {
    if (isSymbolicLink(target)) proveInside(target, root, relative, out);
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
  if (deepest === directory && isSymbolicLink(target)) proveInside(target, root, relative, out);
  return target;
}

/**
 * `probe` for a directory on an output's path, in one system call when it is
 * missing: a link there is followed, and refused when it leads nowhere.
 */
function probeEntry(directory: string, relative: string): 'exists' | 'missing' | 'blocked' {
  let entry;
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

/** Whether a path exists, is missing, or cannot exist because a file stands where a directory of its path should be. */
function probe(file: string): 'exists' | 'missing' | 'blocked' {
  try {
    return statSync(file, { throwIfNoEntry: false }) === undefined ? 'missing' : 'exists';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') return 'blocked';
    throw error;
  }
}

/** The absolute path of an out-relative one, refused when it is absolute, climbs with `..` or would leave `out` by its letters alone. */
function lexicalTarget(out: string, relative: string): string {
  const segments = relative.split('/');
  if (
    relative === '' ||
    relative.includes('\0') ||
    relative.includes('\\') ||
    path.isAbsolute(relative) ||
    segments.some((segment) => segment === '' || segment === '.' || segment === '..')
  ) {
    throw new PortbookError(`Refusing output path ${JSON.stringify(relative)}: it must stay inside ${out}`);
  }
  const root = path.resolve(out);
  const target = path.resolve(root, ...segments);
  if (!target.startsWith(root + path.sep)) {
    throw new PortbookError(`Refusing output path ${JSON.stringify(relative)}: it resolves outside ${out}`);
  }
  return target;
}

/** A directory of an output's path that is a link to nothing: gen could neither create it nor tell where it leads. */
function refuseDanglingLink(directory: string, relative: string): void {
  if (isSymbolicLink(directory)) {
    throw new PortbookError(`Refusing output path ${JSON.stringify(relative)}: ${directory} is a link to nothing; remove the link, or create what it points to`);
  }
}

function proveInside(probe: string, root: string, relative: string, out: string): void {
  const realRoot = realpathSync(root);
  let real: string;
  try {
    real = realpathSync(probe);
  } catch (error) {
    // a link to nothing: the rename replaces the link itself, it never writes through it
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && isSymbolicLink(probe)) return;
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

/** Compare rendered files (the manifest included) with the disk. Reads only. */
export function plan(out: string, files: ReadonlyMap<string, string>, options: PlanOptions = {}): Plan {
  const previous = readManifest(out);
  const inside: InsideCache = new Map();
  const listings = new Map<string, Set<string>>();
  // temporaries may sit beside outputs of this run or of the last one (which this run may remove)
  const debris = findDebris(out, [...files.keys(), ...Object.keys(previous?.files ?? {})], inside, listings);
  const result: Plan = { out, changes: [], unchanged: [], kept: [], conflicts: [], debris, debrisBeside: debrisBeside(out) };
  for (const [relative, content] of files) {
    const target = resolveInside(out, relative, inside);
    // a name its directory's listing does not have is not there: no need to try opening it
    const listing = listings.get(path.dirname(target));
    const absent = inside.get(path.dirname(target)) === 'missing' || (listing !== undefined && !listing.has(foldName(path.basename(target))));
    const before = absent ? undefined : readIfExists(target);
    if (before === content) {
      result.unchanged.push(relative);
      continue;
    }
    if (before !== undefined && relative !== manifestName) {
      const state = ownership(before, previous && Object.hasOwn(previous.files, relative) ? previous.files[relative] : undefined);
      if (state === 'foreign' || (state === 'edited' && !options.force)) {
        result.conflicts.push({ path: relative, reason: state, before, after: content });
        continue;
      }
    }
    result.changes.push({ path: relative, kind: before === undefined ? 'create' : 'update', before, after: content });
  }
  for (const [relative, hash] of Object.entries(previous?.files ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (files.has(relative)) continue;
    let target: string;
    try {
      target = resolveInside(out, relative);
    } catch {
      continue; // a manifest entry pointing outside is ignored, never followed
    }
    const before = readIfExists(target);
    if (before === undefined) continue;
    if (ownership(before, hash) === 'ours') result.changes.push({ path: relative, kind: 'remove', before, after: undefined });
    else result.kept.push(relative);
  }
  return result;
}

/**
 * Whose is a file on disk? `ours` when its header stamp is intact (or, for
 * formats without comments, the manifest's hash matches); `edited` when its
 * stamp no longer matches; `foreign` when portbook never wrote it.
 */
function ownership(content: string, manifestHash: string | undefined): 'ours' | 'edited' | 'foreign' {
  if (content === '') return 'ours'; // nothing to lose (a new file cut short by a crash)
  const state = verifyStamp(content);
  if (state === 'intact') return 'ours';
  if (state === 'edited') return 'edited';
  if (manifestHash === undefined) return 'foreign';
  return sha256(content) === manifestHash ? 'ours' : 'edited';
}

/** A file name as case- and normalization-insensitive file systems (APFS, NTFS) compare them. */
function foldName(name: string): string {
  return name.normalize('NFC').toLowerCase();
}

/** This process's id (reading `process.pid` is a system call each time). */
const ownPid = process.pid;
/** Temporaries are numbered from a random start: unique in this process, and unlike a dead run's with the same pid. */
let temporaryNumber = randomBytes(4).readUInt32BE(0);

/** A fresh name beside `target`, so the rename stays on one file system. */
function temporaryPath(target: string): string {
  temporaryNumber = (temporaryNumber + 1) >>> 0;
  return path.join(path.dirname(target), `.${path.basename(target)}.portbook-${ownPid}-${temporaryNumber.toString(16).padStart(8, '0')}.tmp`);
}

/** `.NAME.portbook-PID-HEX.tmp`: a temporary file, or a directory being built, of the run with that process id. */
const temporaryPattern = /^\.(.+)\.portbook-(\d+)-[0-9a-f]{8}\.tmp$/;

/** Whether `name` is a portbook temporary (of `of`, when given) whose run is no longer alive. */
export function isDeadTemporary(name: string, of?: string): boolean {
  const match = temporaryPattern.exec(name);
  return match !== null && (of === undefined || match[1] === of) && !isAlive(Number(match[2]));
}

/**
 * The directories where a killed run can have left temporaries among the
 * outputs (out-relative, `.` for `out`): those of the outputs, for files
 * replaced there, and every directory on the way to them, where it built
 * directories that did not exist yet.
 */
function debrisDirectories(outputs: Iterable<string>): string[] {
  const directories = new Set<string>();
  for (const relative of outputs) {
    for (let directory = path.posix.dirname(relative); !directories.has(directory); directory = path.posix.dirname(directory)) {
      directories.add(directory);
      if (directory === '.') break;
    }
  }
  return [...directories].sort();
}

/**
 * Temporaries of runs that are no longer alive, in the directories of
 * `debrisDirectories` that exist (links and anything not a file or a
 * directory are never taken for one). Reading each directory also tells
 * `plan` which directories are missing and which names the others hold.
 */
function findDebris(out: string, outputs: Iterable<string>, inside: InsideCache, listings: Map<string, Set<string>>): string[] {
  const debris: string[] = [];
  const inOut: string[] = [];
  for (const relative of outputs) {
    try {
      resolveInside(out, relative, inside);
    } catch {
      continue; // a manifest entry pointing outside is never followed
    }
    inOut.push(relative);
  }
  for (const directory of debrisDirectories(inOut)) {
    const absolute = path.resolve(out, directory);
    if (inside.get(absolute) === 'missing') continue; // resolveInside found it missing already
    let entries: Dirent[];
    try {
      entries = readdirSync(absolute, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') inside.set(absolute, 'missing');
      continue;
    }
    // folded, so that a case-insensitive file system's `Settings.ts` still counts as `settings.ts` being there
    listings.set(absolute, new Set(entries.map((entry) => foldName(entry.name))));
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (!(entry.isFile() || entry.isDirectory()) || !isDeadTemporary(entry.name)) continue;
      debris.push(directory === '.' ? entry.name : `${directory}/${entry.name}`);
    }
  }
  return debris;
}

/** The output directory as a killed first run was building it, under a temporary name beside `out`. */
function debrisBeside(out: string): string[] {
  const root = path.resolve(out);
  const parent = path.dirname(root);
  let entries: Dirent[];
  try {
    entries = readdirSync(parent, { withFileTypes: true });
  } catch {
    return []; // no parent yet: nothing was built there
  }
  return entries
    .filter((entry) => entry.isDirectory() && isDeadTemporary(entry.name, path.basename(root)))
    .map((entry) => path.join(parent, entry.name))
    .sort();
}

/**
 * Remove the temporaries a killed `replaceFile` of `file` left (beside the
 * file a link leads to, where it writes them); returns their paths. Only
 * that file's, only of runs no longer alive.
 */
export function removeDeadTemporaries(file: string): string[] {
  let target = file;
  try {
    target = realpathSync(file);
  } catch {
    // not there (or a link to nothing): its temporaries would stand beside the path itself
  }
  const directory = path.dirname(target);
  let entries: Dirent[];
  try {
    entries = readdirSync(directory, { withFileTypes: true });
  } catch {
    return [];
  }
  const removed = entries.filter((entry) => entry.isFile() && isDeadTemporary(entry.name, path.basename(target))).map((entry) => path.join(directory, entry.name));
  for (const temporary of removed) removeQuietly(temporary);
  return removed;
}

const stagingPrefix = 'portbook-candidates-';
const stagingPattern = /^portbook-candidates-(\d+)-[A-Za-z0-9]{6}$/;

/**
 * A fresh directory in the OS temporary directory for candidate files (see
 * deploy.ts), `portbook-candidates-PID-XXXXXX`: named with the run's process
 * id, so that a later run can tell one a killed run left.
 */
export function makeStagingDirectory(): string {
  return mkdtempSync(path.join(os.tmpdir(), `${stagingPrefix}${ownPid}-`));
}

/** Staging directories of runs that are no longer alive, in the OS temporary directory. */
export function deadStagingDirectories(): string[] {
  const tmp = os.tmpdir();
  let entries: Dirent[];
  try {
    entries = readdirSync(tmp, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    const pid = entry.isDirectory() ? stagingPattern.exec(entry.name)?.[1] : undefined;
    return pid !== undefined && !isAlive(Number(pid)) ? [path.join(tmp, entry.name)] : [];
  });
}

/** Remove the staging directories runs killed while validating left; returns their paths. */
export function removeDeadStagingDirectories(): string[] {
  const dead = deadStagingDirectories();
  for (const directory of dead) removeDebris(directory);
  return dead;
}

/** Remove a temporary file, or a directory a killed run was building (its contents are that run's). */
function removeDebris(temporary: string): void {
  try {
    if (lstatSync(temporary).isDirectory()) rmSync(temporary, { recursive: true, force: true });
    else unlinkSync(temporary);
  } catch {
    // already gone
  }
}

function isAlive(pid: number): boolean {
  if (pid === ownPid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Write a whole file. `flush` forces it to disk before the rename that puts it
 * in place of an existing file, so even a power cut cannot leave an empty file
 * where a good one was. New files skip it (thousands of fsyncs would dominate
 * a first gen); a power cut then can at worst leave an empty new file, which
 * the next gen simply replaces.
 */
function writeFully(file: string, content: string, flush: boolean): void {
  const fd = openSync(file, 'wx', 0o644);
  try {
    const buffer = Buffer.from(content, 'utf8');
    let offset = 0;
    while (offset < buffer.length) offset += writeSync(fd, buffer, offset);
    if (flush) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function removeQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}

/** Give the temporary the permissions of the file it replaces (new files keep 0644). */
function keepMode(temporary: string, target: string): void {
  let mode: number;
  try {
    mode = statSync(target).mode & 0o7777;
  } catch {
    return;
  }
  chmodSync(temporary, mode);
}

function syncDirectory(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // not every platform can fsync a directory; the rename is still atomic
  }
}

/** Hooks for tests that need to interrupt a write. */
export interface ApplyHooks {
  /** After a changed file's temporary is written and flushed, before any rename. */
  afterTemporaryWritten?(relative: string): void;
  /** After a file was renamed into place. */
  afterReplaced?(relative: string): void;
}

/** A directory that does not exist yet, built whole under a temporary name beside it. */
interface Staged {
  temporary: string;
  target: string;
  renamed: boolean;
}

type Step = { relative: string; temporary: string; target: string } | { relative: string; staged: Staged };

/**
 * Apply a plan: all temporaries first, then the dead runs' debris removed,
 * then renames (the manifest last), then removals. Refuses a plan with
 * conflicts. A file goes to a temporary beside its target when its
 * directory exists; otherwise into a temporary directory built beside the
 * first directory of its path that does not exist (`out` itself on a first
 * run), renamed into place whole with its first file. The manifest's
 * temporary is written first: whatever a killed run leaves, it leaves that
 * too, in `out` itself, where a run that finds nothing changed looks (a run
 * whose manifest does not change leaves temporaries only for outputs that
 * still differ from it, which no such run takes for up to date).
 */
export function apply(planned: Plan, hooks: ApplyHooks = {}): void {
  const out = planned.out;
  if (planned.conflicts.length > 0) {
    throw new PortbookError(`Refusing to write ${out}: ${planned.conflicts.map((conflict) => conflict.path).join(', ')} must not be replaced`, 1);
  }
  const root = path.resolve(out);
  const writes = planned.changes.filter((change) => change.kind !== 'remove');
  const steps = new Map<string, Step>();
  const staging = new Map<string, Staged>();
  const inside: InsideCache = new Map();
  const stage = (directory: string): Staged => {
    let staged = staging.get(directory);
    if (!staged) {
      // the parent exists: it is --out's, or one proven inside it
      staged = { temporary: temporaryPath(directory), target: directory, renamed: false };
      mkdirSync(staged.temporary);
      staging.set(directory, staged);
    }
    return staged;
  };
  const discard = (): void => {
    for (const step of steps.values()) if ('temporary' in step) removeQuietly(step.temporary);
    for (const staged of staging.values()) if (!staged.renamed) removeDebris(staged.temporary);
  };
  try {
    // --out's own parents, when missing, are where the user asked for it; --out itself is built like any new directory
    if (probe(root) === 'missing') mkdirSync(path.dirname(root), { recursive: true });
    for (const change of [...writes.filter((each) => each.path === manifestName), ...writes.filter((each) => each.path !== manifestName)]) {
      const target = lexicalTarget(out, change.path);
      resolveInside(out, change.path, inside);
      const missing = firstMissing(path.dirname(target), root, inside);
      if (missing === undefined) {
        const temporary = temporaryPath(target);
        steps.set(change.path, { relative: change.path, temporary, target });
        writeFully(temporary, change.after!, change.kind === 'update');
      } else {
        const staged = stage(missing);
        const file = path.join(staged.temporary, path.relative(missing, target));
        mkdirSync(path.dirname(file), { recursive: true });
        writeFully(file, change.after!, false);
        steps.set(change.path, { relative: change.path, staged });
      }
      hooks.afterTemporaryWritten?.(change.path);
    }
  } catch (error) {
    discard();
    if (error instanceof PortbookError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new PortbookError(`Cannot write to ${out}: ${code ?? String(error)}; no file was replaced`);
  }
  // what dead runs left, now that this run's own temporaries (its manifest's first) stand for it
  for (const relative of planned.debris) removeDebris(resolveInside(out, relative));
  for (const temporary of planned.debrisBeside) removeDebris(temporary);
  // Renames cannot fail for want of space; a directory in the way was refused by plan().
  const replaced = new Set(writes.filter((change) => change.kind === 'update').map((change) => change.path));
  const renamed: string[] = [];
  for (const change of writes) {
    const step = steps.get(change.path)!;
    const target = 'staged' in step ? step.staged.target : step.target;
    try {
      if ('staged' in step) {
        if (!step.staged.renamed) {
          renameSync(step.staged.temporary, step.staged.target);
          step.staged.renamed = true;
          renamed.push(step.staged.target);
        }
      } else {
        if (replaced.has(step.relative)) keepMode(step.temporary, step.target);
        renameSync(step.temporary, step.target);
        steps.delete(change.path);
        renamed.push(step.target);
      }
      hooks.afterReplaced?.(step.relative);
    } catch (error) {
      discard();
      const done = renamed.length > 0 ? `; already replaced: ${renamed.join(', ')}` : '; no file was replaced';
      throw new PortbookError(`Cannot replace ${target}: ${(error as NodeJS.ErrnoException).code ?? String(error)}${done}`);
    }
  }
  // make the renames that replaced existing files durable (new files were not flushed either; see writeFully)
  for (const dir of new Set([...replaced].map((relative) => path.dirname(lexicalTarget(out, relative))))) syncDirectory(dir);
  for (const change of planned.changes) {
    if (change.kind !== 'remove') continue;
    const target = resolveInside(out, change.path);
    unlinkSync(target);
    removeEmptyParents(path.dirname(target), root);
  }
}

/**
 * The first directory on the way from `out` down to `dir` that does not
 * exist (`out` itself when it is missing), or `undefined` when `dir` exists.
 * `resolveInside` has proven what exists of the path and marked what is missing.
 */
function firstMissing(dir: string, root: string, inside: InsideCache): string | undefined {
  if (inside.get(dir) !== 'missing') return undefined;
  let missing = dir;
  while (missing !== root) {
    const parent = path.dirname(missing);
    if (inside.get(parent) !== 'missing' && (inside.get(parent) === 'inside' || probe(parent) !== 'missing')) break;
    inside.set(parent, 'missing');
    missing = parent;
  }
  return missing;
}

function removeEmptyParents(dir: string, root: string): void {
  let current = dir;
  while (current !== root && current.startsWith(root + path.sep)) {
    if (readdirSync(current).length > 0) return;
    rmdirSync(current);
    current = path.dirname(current);
  }
}

/**
 * Replace one file atomically (temporary beside it, flush, rename), keeping
 * its permissions. A link is written through: the file it points to is
 * replaced and the link stays (a registry shared by a link keeps being shared).
 */
export function replaceFile(file: string, content: string): void {
  let target = file;
  try {
    target = realpathSync(file);
  } catch {
    // not there yet (or a link to nothing): the rename creates it
  }
  const temporary = temporaryPath(target);
  try {
    writeFully(temporary, content, true);
    keepMode(temporary, target);
    renameSync(temporary, target);
  } catch (error) {
    removeQuietly(temporary);
    throw new PortbookError(`Cannot write ${target}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}
