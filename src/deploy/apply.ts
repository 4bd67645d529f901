/**
 * Carrying out a checked plan on the host: permissions first (nothing is
 * written unless every directory can be), the stops, each file replaced
 * atomically (the record last), then the reloads. When a file cannot be
 * written or a command after the replacement fails, the previous files (kept
 * in memory) are put back and the reloads run again, so the host returns to
 * where it was; the outcome says what ran and what happened.
 */
import type { RenderOptions } from '../config/load.js';
import { PortbookError } from '../support/errors.js';
import { checkWritable, removeDeadTemporaries, removeHost, writeHost } from './host.js';
import { installDirectory } from './install.js';
import type { HostCommand, HostSteps } from './loaders.js';
import { type HostChange, type HostPlan, writtenPaths } from './plan.js';
import { recordPath } from './record.js';
import { type Ran, runProgram } from './run.js';

export interface Applied {
  /** The commands that ran, in order (the failed one last when one failed). */
  ran: Ran[];
  /** When a command failed after the files were replaced: the old files are back, and these ran to return the host to them. */
  rollback?: Ran[];
  /** Whether the new files are in place. */
  written: boolean;
  /** Files that could not be put back after a failure (each message names the file). */
  problems: string[];
  /** Where a command failed: before the files were replaced (a stop), or after (a reload). */
  failedAt?: 'before' | 'after';
}

/** The host's record as a change, when it changes. */
function recordChange(plan: HostPlan): HostChange[] {
  if (plan.record.after === plan.record.before) return [];
  return [
    { path: recordPath, action: plan.record.before === undefined ? 'create' : 'update', target: '', before: plan.record.before, after: plan.record.after },
  ];
}

/** Put a file back as it was before `change` (a created one goes). */
function restore(plan: HostPlan, options: Pick<RenderOptions, 'deploy'>, change: HostChange): void {
  if (change.before === undefined) removeHost(plan.root, change.path, keepOf(options, change));
  else writeHost(plan.root, change.path, change.before);
}

/** The directory a removal may empty up to: the target's own (never removed), else the file's. */
function keepOf(options: Pick<RenderOptions, 'deploy'>, change: HostChange): string {
  const dir = change.target === '' ? undefined : installDirectory(options, change.target as Parameters<typeof installDirectory>[1]);
  return dir ?? change.path.slice(0, change.path.lastIndexOf('/'));
}

function runAll(commands: readonly HostCommand[]): { ran: Ran[]; failed: boolean } {
  const ran: Ran[] = [];
  for (const each of commands) {
    ran.push(runProgram(each.words));
    if (!ran.at(-1)!.ok) return { ran, failed: true };
  }
  return { ran, failed: false };
}

/** Put every change back as it was, the last first; what could not be put back, said. */
function putBack(plan: HostPlan, options: Pick<RenderOptions, 'deploy'>, changes: readonly HostChange[]): string[] {
  const problems: string[] = [];
  for (const change of [...changes].reverse()) {
    try {
      restore(plan, options, change);
    } catch (error) {
      problems.push(error instanceof PortbookError ? error.message : String(error));
    }
  }
  return problems;
}

/** Replace every change (the record last); on a failure, put back what was done and throw. */
function replaceAll(plan: HostPlan, options: Pick<RenderOptions, 'deploy'>, changes: readonly HostChange[]): void {
  const done: HostChange[] = [];
  try {
    for (const change of changes) {
      if (change.action === 'remove') removeHost(plan.root, change.path, keepOf(options, change));
      else writeHost(plan.root, change.path, change.after!);
      done.push(change);
    }
  } catch (error) {
    const problems = putBack(plan, options, done);
    const why = error instanceof PortbookError ? error.message : String(error);
    const back =
      problems.length === 0
        ? 'The files written before it were put back; the host is as it was.'
        : `Putting back the files written before it failed too:\n${problems.join('\n')}`;
    throw new PortbookError(`${why}\n${back}`);
  }
}

/** Carry out `plan` with `steps` on the host. Throws (exit 2) when a directory cannot be written: then nothing was. */
export function applyDeploy(plan: HostPlan, steps: HostSteps, options: Pick<RenderOptions, 'deploy'>): Applied {
  const changes = [...plan.changes, ...recordChange(plan)];
  checkWritable(plan.root, writtenPaths(plan));
  const before = runAll(steps.before);
  if (before.failed) {
    const back = runAll(steps.rollback.filter((each) => each.kind === 'start'));
    return { ran: before.ran, rollback: back.ran, written: false, problems: [], failedAt: 'before' };
  }
  removeDeadTemporaries(plan.root, [...changes.map((change) => change.path), ...plan.unchanged]);
  replaceAll(plan, options, changes);
  const after = runAll(steps.after);
  if (!after.failed) return { ran: [...before.ran, ...after.ran], written: true, problems: [] };
  const problems = putBack(plan, options, changes);
  // every step of the way back runs, even after one fails: each returns a part of the host
  const back = steps.rollback.map((each) => runProgram(each.words));
  return { ran: [...before.ran, ...after.ran], rollback: back, written: false, problems, failedAt: 'after' };
}
