/**
 * Applying a plan: every changed file to a temporary first, then renames
 * into place (the manifest last), then removals.
 */
import { mkdirSync, readdirSync, renameSync, rmdirSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { PortbookError } from '../support/errors.js';
import { keepMode, removeQuietly, syncDirectory, writeFully } from './files.js';
import { manifestName } from './manifest.js';
import { type InsideCache, lexicalTarget, probe, resolveInside } from './paths.js';
import type { Plan } from './plan.js';
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
