/**
 * The deploy plan: one environment's files compared with the host, reading
 * only. What to create, update or remove; what to leave alone and why (a
 * file edited on the host, one portbook never deployed, another project's);
 * and the host's record as it will be.
 */

import { sha256Hex } from '../support/hash.js';
import { verifyStamp } from '../support/stamp.js';
import { readHost } from './host.js';
import type { HostFile } from './install.js';
import { type DeployRecords, projectOf, readRecords, recordKey, recordPath, recordsText } from './record.js';

export type HostAction = 'create' | 'update' | 'remove';

export interface HostChange {
  /** The host path. */
  path: string;
  action: HostAction;
  /** The target whose file it is (for a removal, as the record says). */
  target: string;
  /** On the host now (`undefined` when missing). */
  before: string | undefined;
  /** What deploy writes (`undefined` for a removal). */
  after: string | undefined;
}

/** A file deploy must not replace: edited on the host since portbook deployed it, never deployed by portbook, or another project's. */
export interface HostConflict {
  path: string;
  reason: 'edited' | 'foreign' | 'other-project';
  /** For `other-project`: the record's entry that lists it. */
  owner?: string;
  before: string;
  after: string;
}

export interface HostPlan {
  root: string;
  environment: string;
  /** This project's environment in the host's record. */
  key: string;
  changes: HostChange[];
  unchanged: string[];
  /** Files this entry deployed that are no longer rendered but are not removed: edited on the host since, or still listed by another environment. */
  kept: Array<{ path: string; reason: 'edited' | 'shared' }>;
  conflicts: HostConflict[];
  /** The record as it is and as deploy leaves it (`after` equal to `before`: nothing to write). */
  record: { before: string | undefined; after: string };
  /** Every entry of the record as it is. */
  records: DeployRecords;
}

/** Whose is a file on the host: portbook's as deployed, edited since, or never portbook's. */
export function ownership(content: string, recorded: string | undefined): 'ours' | 'edited' | 'foreign' {
  if (content === '') return 'ours'; // nothing to lose (a new file cut short by a crash)
  const state = verifyStamp(content);
  if (state === 'intact') return 'ours';
  if (state === 'edited') return 'edited';
  if (recorded === undefined) return 'foreign';
  return sha256Hex(content) === recorded ? 'ours' : 'edited';
}

/** The entry of another project than `key`'s that lists `hostPath`, if any. */
function otherProject(records: DeployRecords, key: string, hostPath: string): string | undefined {
  return Object.keys(records).find((other) => projectOf(other) !== projectOf(key) && Object.hasOwn(records[other]!.files, hostPath));
}

/** The hash any entry recorded for `hostPath`. */
function recordedHash(records: DeployRecords, hostPath: string): string | undefined {
  for (const entry of Object.values(records)) if (Object.hasOwn(entry.files, hostPath)) return entry.files[hostPath]!.sha256;
  return undefined;
}

/** Compare an environment's host files with the host under `root`. Reads only. `force` replaces files edited on the host (never foreign ones). */
export function planDeploy(
  root: string,
  files: readonly HostFile[],
  context: { name: string; environment: string; source: string; force?: boolean },
): HostPlan {
  const { records, text } = readRecords(root);
  const key = recordKey(context.name, context.environment);
  const own = records[key]?.files ?? {};
  const plan: HostPlan = {
    root,
    environment: context.environment,
    key,
    changes: [],
    unchanged: [],
    kept: [],
    conflicts: [],
    record: { before: text, after: '' },
    records,
  };
  const next: Record<string, { target: string; sha256: string }> = {};
  for (const file of files) {
    const before = readHost(root, file.path);
    const owner = otherProject(records, key, file.path);
    if (owner !== undefined) {
      plan.conflicts.push({ path: file.path, reason: 'other-project', owner, before: before ?? '', after: file.content });
      continue;
    }
    next[file.path] = { target: file.target, sha256: sha256Hex(file.content) };
    if (before === file.content) {
      plan.unchanged.push(file.path);
      continue;
    }
    const state = before === undefined ? 'ours' : ownership(before, recordedHash(records, file.path));
    if (before !== undefined && (state === 'foreign' || (state === 'edited' && !context.force))) {
      plan.conflicts.push({ path: file.path, reason: state, before, after: file.content });
      continue;
    }
    plan.changes.push({ path: file.path, action: before === undefined ? 'create' : 'update', target: file.target, before, after: file.content });
  }
  const rendered = new Set(files.map((file) => file.path));
  for (const [hostPath, deployed] of Object.entries(own).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (rendered.has(hostPath)) continue;
    // another environment of this project still deploys it (the nginx default server): it stays, theirs now
    if (Object.entries(records).some(([other, entry]) => other !== key && Object.hasOwn(entry.files, hostPath))) {
      plan.kept.push({ path: hostPath, reason: 'shared' });
      continue;
    }
    const before = readHost(root, hostPath);
    if (before === undefined) continue; // gone already: the record forgets it
    if (ownership(before, deployed.sha256) === 'ours')
      plan.changes.push({ path: hostPath, action: 'remove', target: deployed.target, before, after: undefined });
    else {
      plan.kept.push({ path: hostPath, reason: 'edited' });
      next[hostPath] = deployed; // still this entry's: drift keeps reporting it
    }
  }
  const after = { ...records, [key]: { source: context.source, files: next } };
  if (Object.keys(next).length === 0) delete after[key];
  plan.record.after = recordsText(after);
  return plan;
}

/** Every host path a plan writes or removes, the record included when it changes. */
export function writtenPaths(plan: HostPlan): string[] {
  return [...plan.changes.map((change) => change.path), ...(plan.record.after === plan.record.before ? [] : [recordPath])];
}

export { recordPath };
