/**
 * Applying a plan: every changed file (and the registry, when its diagram
 * block changes) to a temporary first; then the journal, the renames (the
 * registry's first, the manifest last), the removals, and the journal removed.
 */
import path from 'node:path';
import { PortbookError } from '../support/errors.js';
import { confined, own, release } from './confine.js';
import { disk, keepMode, removeQuietly, syncDirectory, writeFully } from './files.js';
import { hashOf, type JournalEntry, journalFor, journalName } from './journal.js';
import { manifestName } from './manifest.js';
import { type InsideCache, lexicalTarget, probe, resolveInside } from './paths.js';
import type { Plan } from './plan.js';
import { writing } from './signals.js';
import { removeDebris, temporaryPath } from './temporaries.js';

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
  /** The mode it was made with, while it is private (mode 0700) and is to get it back. */
  mode: number | undefined;
}

type Step = { relative: string; temporary: string; target: string } | { relative: string; staged: Staged };

/** What the first phase made: every temporary, in place to be renamed. */
interface Prepared {
  root: string;
  /** Out-relative path → its temporary (or the directory being built that holds it), in the order they are renamed (the manifest last). */
  steps: Map<string, Step>;
  staging: Map<string, Staged>;
  /** The registry's temporary and the file it replaces. */
  registry: { temporary: string; target: string } | undefined;
  /** The journal's temporary, renamed into place before anything else; `undefined` when no journal is needed or it is inside `out` being built. */
  journal: { temporary: string; target: string } | undefined;
  /** Whether this run has a journal at all (in `out`, or in `out` being built). */
  journaled: boolean;
  /** The first of --out's parents this run created, if any (removed again when the run replaces nothing). */
  createdParent: string | undefined;
  /** This run's record in `out`, when its first temporary there is not the manifest's (see `prepare`). */
  record: string | undefined;
}

/** The record's name in `out` (as the temporary of this name: `..portbook-run.portbook-PID-HEX.tmp`). */
const recordName = '.portbook-run';

/**
 * Apply a plan: all temporaries first (the registry's too), then the dead
 * runs' debris removed, then the journal, the renames (the registry first,
 * the manifest last), the removals, and the journal removed. Refuses a plan
 * with conflicts. A file goes to a temporary beside its target when its
 * directory exists; otherwise into a temporary directory built beside the
 * first directory of its path that does not exist (`out` itself on a first
 * run), renamed into place whole with its first file. The manifest's
 * temporary is written first (or, when the manifest does not change, a
 * record): whatever a killed run leaves, it leaves that too, in `out`
 * itself, where a run that finds nothing changed looks, and where the next
 * plan looks before it lists the other output directories.
 *
 * A failure before the first rename replaces nothing. Past it, the journal
 * (written and flushed before the first rename whenever there are two steps
 * or more) records the run, so that a kill or a failed rename leaves a state
 * that check and gen name, and the next gen finishes.
 */
export function apply(planned: Plan, hooks: ApplyHooks = {}): void {
  const out = planned.out;
  if (planned.conflicts.length > 0) {
    throw new PortbookError(`Refusing to write ${out}: ${planned.conflicts.map((conflict) => conflict.path).join(', ')} must not be replaced`, 1);
  }
  writing();
  // every change under --out through directories opened one by one, never through a link (write/confine.ts)
  confined(out, () => {
    const prepared = prepare(planned, hooks);
    // what dead runs left, now that this run's own temporaries (its manifest's first) stand for it
    removeDeadRuns(planned);
    replaceAll(planned, prepared, hooks);
    removeAll(planned, prepared);
  });
}

/**
 * Remove what dead runs left: among the outputs first, and those in `out`
 * itself only when all of those are gone. One of them (a dead run's first
 * temporary) is what makes the next run look among the outputs at all
 * (temporaries.ts's `findDebris`): it stays while anything it stands for does.
 */
function removeDeadRuns(planned: Plan): void {
  const deeper = planned.debris.filter((relative) => relative.includes('/'));
  let removed = true;
  for (const relative of deeper) removed = removeDebris(resolveInside(planned.out, relative)) && removed;
  if (removed) for (const relative of planned.debris) if (!relative.includes('/')) removeDebris(resolveInside(planned.out, relative));
  for (const temporary of planned.debrisBeside) removeDebris(temporary);
}

/** The first phase: every temporary written (and flushed where it replaces a file), the journal's last. Replaces nothing. */
function prepare(planned: Plan, hooks: ApplyHooks): Prepared {
  const out = planned.out;
  const root = path.resolve(out);
  const writes = planned.changes.filter((change) => change.kind !== 'remove');
  const prepared: Prepared = {
    root,
    steps: new Map(),
    staging: new Map(),
    registry: undefined,
    journal: undefined,
    journaled: false,
    createdParent: undefined,
    record: undefined,
  };
  const inside: InsideCache = new Map();
  try {
    // --out's own parents, when missing, are where the user asked for it; --out itself is built like any new directory
    if (probe(root) === 'missing') prepared.createdParent = disk.mkdirs(path.dirname(root));
    else if (writes.length > 0 && !writes.some((each) => each.path === manifestName)) writeRecord(prepared);
    for (const change of [...writes.filter((each) => each.path === manifestName), ...writes.filter((each) => each.path !== manifestName)]) {
      prepareFile(prepared, out, change.path, change.after!, change.kind === 'update', inside);
      hooks.afterTemporaryWritten?.(change.path);
    }
    if (planned.registry) prepareRegistry(planned.registry, prepared);
    prepareJournal(planned, prepared);
    openStaged(prepared);
  } catch (error) {
    discard(prepared);
    if (error instanceof PortbookError) throw error;
    throw new PortbookError(`Cannot write to ${out}: ${(error as NodeJS.ErrnoException).code ?? String(error)}; no file was replaced`);
  }
  return prepared;
}

/**
 * The record of a run that writes into an existing `out` and whose manifest
 * does not change (whose manifest changes, its manifest's temporary is the
 * record): a temporary in `out` itself, made before any other and removed
 * after the last rename, so that the next run lists every output directory
 * for what a killed run left only when a killed run left this too
 * (temporaries.ts's `findDebris`).
 */
function writeRecord(prepared: Prepared): void {
  prepared.record = temporaryPath(path.join(prepared.root, recordName));
  const text = `portbook (process ${process.pid}) is replacing files in this directory. If no such process runs, it was stopped: the next portbook gen removes this file and what that run left.\n`;
  writeFully(prepared.record, text, false);
}

/** The registry's temporary, beside the file it replaces (through a link), flushed, with its permissions. */
function prepareRegistry(registry: NonNullable<Plan['registry']>, prepared: Prepared): void {
  const temporary = temporaryPath(registry.target);
  prepared.registry = { temporary, target: registry.target };
  try {
    writeFully(temporary, registry.after, true);
    keepMode(temporary, registry.target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new PortbookError(`Cannot write the diagram block of ${registry.target} (a temporary file beside it): ${code}; no file was replaced`);
  }
}

/** One output's temporary: beside its target when its directory exists, else in the directory being built for it. */
function prepareFile(prepared: Prepared, out: string, relative: string, content: string, replaces: boolean, inside: InsideCache): void {
  const target = resolveInside(out, relative, inside);
  const missing = firstMissing(path.dirname(target), prepared.root, inside);
  if (missing === undefined) {
    const temporary = temporaryPath(target);
    prepared.steps.set(relative, { relative, temporary, target });
    writeFully(temporary, content, replaces);
    if (replaces) keepMode(temporary, target);
    return;
  }
  let staged = prepared.staging.get(missing);
  if (!staged) {
    // the parent exists: it is --out's, or one proven inside it
    staged = { temporary: temporaryPath(missing), target: missing, renamed: false, mode: undefined };
    disk.mkdir(staged.temporary);
    prepared.staging.set(missing, staged);
    // private while it is built, its names reached through its own descriptor (write/confine.ts); `openStaged` gives its mode back
    staged.mode = own(staged.temporary, () => disk.chmod(staged!.temporary, 0o700));
  }
  // `target` is under `missing` (both resolved): the rest of its path, in the directory being built
  const file = staged.temporary + target.slice(missing.length);
  prepared.steps.set(relative, { relative, staged });
  disk.mkdirs(path.dirname(file));
  writeFully(file, content, false);
}

/**
 * The directories built whole, complete now (nothing is written into them
 * after this): no longer private, with the mode they were made with again,
 * as if made in place (the umask's, or a default ACL's).
 */
function openStaged(prepared: Prepared): void {
  for (const staged of prepared.staging.values()) {
    release(staged.temporary);
    if (staged.mode !== undefined) disk.chmod(staged.temporary, staged.mode & 0o7777);
  }
}

/**
 * The journal, when the run takes two steps or more (renames and removals:
 * one rename alone cannot leave a mix): beside the outputs, to be renamed
 * into place first; or, when `out` itself is being built, inside it, where
 * the rename of `out` puts it in place.
 */
function prepareJournal(planned: Plan, prepared: Prepared): void {
  const renames = new Set([...prepared.steps.values()].map((step) => ('staged' in step ? step.staged : step))).size + (planned.registry ? 1 : 0);
  const removals = planned.changes.filter((change) => change.kind === 'remove').length;
  if (renames + removals < 2) return;
  const files: Record<string, JournalEntry> = {};
  for (const change of planned.changes) files[change.path] = { before: hashOf(change.before), after: hashOf(change.after) };
  const registry = planned.registry && {
    path: path.relative(prepared.root, planned.registry.target).split(path.sep).join('/'),
    before: hashOf(planned.registry.before),
    after: hashOf(planned.registry.after),
  };
  const text = journalFor(files, registry);
  const building = prepared.staging.get(prepared.root);
  prepared.journaled = true;
  if (building) {
    // no flush: the rename of `out` puts it in place, and a power cut before that leaves no `out` at all
    writeFully(path.join(building.temporary, journalName), text, false);
    return;
  }
  const target = path.join(prepared.root, journalName);
  prepared.journal = { temporary: temporaryPath(target), target };
  writeFully(prepared.journal.temporary, text, true);
}

/**
 * Remove what this run made that is not in place: temporaries, directories
 * being built, --out's parents it created; the manifest's temporary and the
 * record last, and only once the others among the outputs are gone (while
 * anything else of this run stands there, they stand too).
 */
function discard(prepared: Prepared): void {
  const manifest = prepared.steps.get(manifestName);
  let gone = true;
  for (const step of prepared.steps.values()) if ('temporary' in step && step !== manifest) gone = removeQuietly(step.temporary) && gone;
  for (const staged of prepared.staging.values()) if (!staged.renamed) gone = removeDebris(staged.temporary) && gone;
  if (prepared.registry) removeQuietly(prepared.registry.temporary);
  if (prepared.journal) removeQuietly(prepared.journal.temporary);
  // one that could not be removed (a read-only disk) stays for the next run to find: so do these
  if (gone && manifest && 'temporary' in manifest) removeQuietly(manifest.temporary);
  if (gone && prepared.record !== undefined) removeQuietly(prepared.record);
  prepared.record = undefined;
  if (prepared.createdParent !== undefined && !prepared.staging.get(prepared.root)?.renamed) {
    removeEmptyParents(path.dirname(prepared.root), path.dirname(prepared.createdParent));
  }
}

/**
 * The second phase: the journal in place (flushed, with its directory),
 * then every rename: the registry's first (when it cannot be replaced,
 * nothing is), except on a first run, where `out` itself goes first with
 * the journal inside it; the manifest last.
 */
function replaceAll(planned: Plan, prepared: Prepared, hooks: ApplyHooks): void {
  const renamed: string[] = [];
  let current = '';
  const renameRegistry = (): void => {
    if (!prepared.registry || renamed.includes(prepared.registry.target)) return;
    current = prepared.registry.target;
    disk.rename(prepared.registry.temporary, prepared.registry.target);
    renamed.push(prepared.registry.target);
  };
  try {
    if (prepared.journal) {
      current = prepared.journal.target;
      disk.rename(prepared.journal.temporary, prepared.journal.target);
      prepared.journal = undefined;
      syncDirectory(prepared.root);
    }
    if (!prepared.staging.has(prepared.root)) renameRegistry();
    // in the plan's order, the manifest last
    const writes = planned.changes.filter((change) => change.kind !== 'remove');
    const order = [...writes.filter((each) => each.path !== manifestName), ...writes.filter((each) => each.path === manifestName)];
    for (const step of order.map((change) => prepared.steps.get(change.path)!)) {
      if ('staged' in step) {
        if (!step.staged.renamed) {
          current = step.staged.target;
          disk.rename(step.staged.temporary, step.staged.target);
          step.staged.renamed = true;
          renamed.push(step.staged.target);
        }
      } else {
        current = step.target;
        disk.rename(step.temporary, step.target);
        renamed.push(step.target);
      }
      prepared.steps.delete(step.relative);
      hooks.afterReplaced?.(step.relative);
      renameRegistry();
    }
    renameRegistry();
    // the last rename is done: the record of this run goes (see writeRecord)
    if (prepared.record !== undefined) removeQuietly(prepared.record);
    prepared.record = undefined;
  } catch (error) {
    discard(prepared);
    if (renamed.length === 0) restoreJournal(planned, prepared);
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    // a few names, not 20,000
    const listed = `${renamed.slice(0, 5).join(', ')}${renamed.length > 5 ? ` and ${renamed.length - 5} more` : ''}`;
    const done = renamed.length > 0 ? `; already replaced: ${listed}${interruptedAdvice(prepared)}` : '; no file was replaced';
    throw new PortbookError(`Cannot replace ${current}: ${code}${done}`);
  }
  // make the renames that replaced existing files durable before the journal goes (new files were not flushed either; see writeFully)
  const replaced = planned.changes.filter((change) => change.kind === 'update').map((change) => path.dirname(lexicalTarget(planned.out, change.path)));
  for (const dir of new Set([...replaced, ...(prepared.registry ? [path.dirname(prepared.registry.target)] : [])])) syncDirectory(dir);
}

/** The last phase: the removals, then the journal (this run's, or the interrupted run's it finished). */
function removeAll(planned: Plan, prepared: Prepared): void {
  for (const change of planned.changes) {
    if (change.kind !== 'remove') continue;
    const target = resolveInside(planned.out, change.path);
    try {
      disk.unlink(target);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') {
        throw new PortbookError(`Cannot remove ${target}: ${code ?? String(error)}; every new file is in place${interruptedAdvice(prepared)}`);
      }
    }
    removeEmptyParents(path.dirname(target), prepared.root);
  }
  if (!prepared.journaled && !planned.interrupted) return;
  const journal = path.join(prepared.root, journalName);
  try {
    disk.unlink(journal);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT')
      throw new PortbookError(
        `Cannot remove ${journal}: ${code ?? String(error)}; every file is in place, but until it goes, check says the last run was interrupted`,
      );
  }
}

/** What the error of a run that stopped among its renames adds: the journal stands, and gen finishes. */
function interruptedAdvice(prepared: Prepared): string {
  return prepared.journaled
    ? `; ${path.join(prepared.root, journalName)} records what this run was doing: check says which files are from it, and the next gen finishes the job`
    : '';
}

/**
 * A run that replaced nothing leaves the journal as it found it: the
 * interrupted run's put back (it still tells which files are from which
 * run), or none. Best effort: when even that fails, this run's journal
 * stands, which says the same thing less precisely.
 */
function restoreJournal(planned: Plan, prepared: Prepared): void {
  // only a journal this run put in place (not one whose rename failed, nor one inside `out` being built)
  if (!prepared.journaled || prepared.journal !== undefined || prepared.staging.has(prepared.root)) return;
  const journal = path.join(prepared.root, journalName);
  if (planned.interrupted === undefined) {
    removeQuietly(journal);
    return;
  }
  const temporary = temporaryPath(journal);
  try {
    writeFully(temporary, planned.interrupted.text, true);
    disk.rename(temporary, journal);
  } catch {
    removeQuietly(temporary);
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

/** Remove `dir` and its parents while they are empty, up to (not including) `root`. Quiet: an empty directory left behind loses nothing. */
function removeEmptyParents(dir: string, root: string): void {
  let current = dir;
  while (current !== root && current.startsWith(root + path.sep)) {
    try {
      disk.rmdir(current);
    } catch {
      return; // not empty (or not ours to remove): stop here
    }
    current = path.dirname(current);
  }
}
