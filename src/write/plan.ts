/**
 * The plan: rendered files compared with the disk (what to create, update
 * or remove, what to leave alone and why), reading only.
 */
import path from 'node:path';
import { verifyStamp } from '../support/stamp.js';
import { readIfExists } from './files.js';
import { manifestName, readManifest, sha256 } from './manifest.js';
import { foldName, type InsideCache, probe, resolveInside } from './paths.js';
import { debrisBeside, findDebris } from './temporaries.js';

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

/** Compare rendered files (the manifest included) with the disk. Reads only. */
export function plan(out: string, files: ReadonlyMap<string, string>, options: PlanOptions = {}): Plan {
  // --out itself a loop of links: said of --out, before anything is read through it
  probe(path.resolve(out));
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
    if (ownership(before, hash) === 'ours')
      result.changes.push({
        path: relative,
        kind: 'remove',
        before,
        after: undefined,
        ...(previous?.targets?.[relative] ? { target: previous.targets[relative] } : {}),
      });
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
