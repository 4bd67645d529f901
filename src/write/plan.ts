/**
 * The plan: rendered files compared with the disk (what to create, update
 * or remove, what to leave alone and why), reading only.
 */
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { sha256Hex } from '../support/hash.js';
import { sameText, verifyStamp, withLf } from '../support/stamp.js';
import { linked, readIfExists, readUnlessLink } from './files.js';
import { type Journal, type JournalEntry, type JournalState, readJournal, stateOf } from './journal.js';
import { type Manifest, manifestName, readManifest } from './manifest.js';
import { foldName, type InsideCache, type Listings, probe, resolveInside } from './paths.js';
import { deadTemporariesOf, debrisBeside, findDebris } from './temporaries.js';

export type ChangeKind = 'create' | 'update' | 'remove';

export interface Change {
  path: string;
  kind: ChangeKind;
  /** Content on disk now (`undefined` when missing). */
  before: string | undefined;
  /** Content portbook wants (`undefined` for removals). */
  after: string | undefined;
  /** For a removal: the target that wrote the file, as the manifest recorded it (whose reload the removal needs). */
  target?: string;
}

/** A file gen must not replace: edited by hand since portbook wrote it, or never written by portbook. */
export interface Conflict {
  path: string;
  reason: 'edited' | 'foreign';
  before: string;
  after: string;
}

/** The registry's new text (its diagram block), written with the outputs: all or nothing. */
export interface RegistryWrite {
  /** The registry's path as given. */
  file: string;
  /** Where it is written: the file a link leads to (a registry shared by a link keeps being shared). */
  target: string;
  before: string;
  after: string;
}

/**
 * A run that was interrupted among its renames (killed, or a rename failed),
 * as its journal and the disk tell it now: which files are as that run meant
 * them, which are as they were before it, and which changed since.
 */
export interface Interrupted {
  /** The interrupted run's process id (0 when its journal could not be read). */
  pid: number;
  /** When it began replacing files (ISO 8601; '' when unknown). */
  started: string;
  /** Out-relative paths, by where each stands. */
  files: Record<JournalState, string[]>;
  /** The registry, when that run was rewriting its diagram block. */
  registry?: { file: string; state: JournalState };
  /** The journal's text as it stands (to put back when a run that found it replaces nothing). */
  text: string;
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
  /** What a killed run left outside `out` (absolute paths): the output directory as a first run was building it beside `out`, the registry's temporaries; `apply` removes them. */
  debrisBeside: string[];
  /** The registry, when gen rewrites its diagram block: `apply` writes it with the outputs. */
  registry?: RegistryWrite;
  /** The last run, when it was interrupted among its renames; `apply` finishes its job and removes its journal. */
  interrupted?: Interrupted;
}

export interface PlanOptions {
  /** Replace outputs edited by hand (files portbook never wrote are still never replaced). */
  force?: boolean;
  /**
   * The registry: temporaries a killed run left beside it are debris, and
   * with `after` (its diagram block rewritten; `before` is its text now) it
   * is written with the outputs.
   */
  registry?: { file: string; before?: string; after?: string };
}

/** Each listing's names folded (see foldName), made when a name is not found as it is. */
const foldedNames = new WeakMap<Map<string, unknown>, Set<string>>();

/**
 * Whether `file`'s directory was listed without it: folded, so that a
 * case-insensitive file system's `Settings.ts` still counts as `settings.ts` being there.
 */
function notListed(file: string, listings: Listings): boolean {
  const listing = listings.get(path.dirname(file));
  const name = path.basename(file);
  if (listing === undefined || listing.has(name)) return false;
  let folded = foldedNames.get(listing);
  if (folded === undefined) {
    folded = new Set([...listing.keys()].map(foldName));
    foldedNames.set(listing, folded);
  }
  return !folded.has(foldName(name));
}

/** Compare rendered files (the manifest included) with the disk. Reads only. */
export function plan(out: string, files: ReadonlyMap<string, string>, options: PlanOptions = {}): Plan {
  // --out itself a loop of links: said of --out, before anything is read through it
  probe(path.resolve(out));
  const previous = readManifest(out);
  const journal = readJournal(out);
  const inside: InsideCache = new Map();
  const listings: Listings = new Map();
  // temporaries may sit beside outputs of this run, of the last one (which this run may remove), or of an interrupted one
  const known = [...files.keys(), ...Object.keys(previous?.files ?? {}), ...Object.keys(journal?.journal.files ?? {})];
  const debris = findDebris(out, known, inside, listings);
  const beside = [...debrisBeside(out), ...(options.registry ? deadTemporariesOf(options.registry.file) : [])];
  const result: Plan = { out, changes: [], unchanged: [], kept: [], conflicts: [], debris, debrisBeside: beside };
  const seen = new Map<string, string | undefined>();
  for (const [relative, content] of files) {
    // its directories proven inside; the file itself is read without following a link, and checked whole when it is one
    const target = resolveInside(out, relative, inside, listings, false);
    // a name its directory's listing (when there is one) does not have is not there: no need to try opening it
    const absent = inside.get(path.dirname(target)) === 'missing' || notListed(target, listings);
    const before = absent ? undefined : readOutput(out, relative, target, inside, listings);
    seen.set(relative, before);
    // line endings alone are not a change: a CRLF copy (git's core.autocrlf) of exactly this content stays as it is
    if (before !== undefined && sameText(before, content)) {
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
  planRemovals(result, files, previous, journal?.journal.files ?? {}, seen);
  if (options.registry?.after !== undefined && options.registry.before !== undefined) {
    result.registry = {
      file: options.registry.file,
      target: realTarget(options.registry.file),
      before: options.registry.before,
      after: options.registry.after,
    };
  }
  if (journal) result.interrupted = interruptedRun(out, journal.text, journal.journal, seen);
  return result;
}

/** An output's text, or `undefined`: a link is read through only when it stays inside `out` (resolveInside refuses it otherwise). */
function readOutput(out: string, relative: string, target: string, inside: InsideCache, listings: Listings): string | undefined {
  const text = readUnlessLink(target);
  if (text !== linked) return text;
  resolveInside(out, relative, inside, listings);
  return readIfExists(target);
}

/**
 * Removals: files the last manifest lists, and files an interrupted run was
 * creating or removing (its journal lists them; its manifest may not), that
 * portbook no longer renders. Each is removed only while it is still as
 * portbook wrote it; one edited since is kept.
 */
function planRemovals(
  result: Plan,
  files: ReadonlyMap<string, string>,
  previous: Manifest | undefined,
  journaled: Readonly<Record<string, JournalEntry>>,
  seen: Map<string, string | undefined>,
): void {
  const candidates = new Map<string, { hash: string | undefined; entry: JournalEntry | undefined }>();
  for (const [relative, hash] of Object.entries(previous?.files ?? {})) candidates.set(relative, { hash, entry: undefined });
  for (const [relative, entry] of Object.entries(journaled)) candidates.set(relative, { hash: candidates.get(relative)?.hash, entry });
  for (const [relative, { hash, entry }] of [...candidates].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (files.has(relative) || relative === manifestName) continue;
    let target: string;
    try {
      target = resolveInside(result.out, relative);
    } catch {
      continue; // an entry pointing outside is ignored, never followed
    }
    const before = readIfExists(target);
    seen.set(relative, before);
    if (before === undefined) continue;
    const ours = (entry !== undefined && stateOf(entry, before) !== 'changed') || ownership(before, hash) === 'ours';
    if (ours) {
      const owner = previous?.targets?.[relative];
      result.changes.push({ path: relative, kind: 'remove', before, after: undefined, ...(owner ? { target: owner } : {}) });
    } else result.kept.push(relative);
  }
}

/** Where each file an interrupted run's journal lists stands now. */
function interruptedRun(out: string, text: string, journal: Journal, seen: Map<string, string | undefined>): Interrupted {
  const files: Record<JournalState, string[]> = { new: [], old: [], changed: [] };
  for (const [relative, entry] of Object.entries(journal.files).sort(([a], [b]) => (a < b ? -1 : 1))) {
    let content = seen.get(relative);
    if (!seen.has(relative)) {
      try {
        content = readIfExists(resolveInside(out, relative));
      } catch {
        continue; // an entry pointing outside is ignored, never followed
      }
    }
    files[stateOf(entry, content)].push(relative);
  }
  const interrupted: Interrupted = { pid: journal.pid, started: journal.started, files, text };
  if (journal.registry) {
    const file = path.resolve(out, journal.registry.path);
    let content: string | undefined;
    try {
      content = readIfExists(file);
    } catch {
      content = undefined; // whatever stands there now, it is not the registry that run wrote
    }
    interrupted.registry = { file, state: stateOf(journal.registry, content) };
  }
  return interrupted;
}

/** The file a link leads to (a registry shared by a link keeps being shared), or the path itself when it leads nowhere yet. */
function realTarget(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}

/**
 * Whose is a file on disk? `ours` when its header stamp is intact (or, for
 * formats without comments, the manifest's hash matches); `edited` when its
 * stamp no longer matches; `foreign` when portbook never wrote it. Line
 * endings alone are not an edit.
 */
function ownership(content: string, manifestHash: string | undefined): 'ours' | 'edited' | 'foreign' {
  if (content === '') return 'ours'; // nothing to lose (a new file cut short by a crash)
  const state = verifyStamp(content);
  if (state === 'intact') return 'ours';
  if (state === 'edited') return 'edited';
  if (manifestHash === undefined) return 'foreign';
  return sha256Hex(content) === manifestHash || sha256Hex(withLf(content)) === manifestHash ? 'ours' : 'edited';
}
