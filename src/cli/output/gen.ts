/** What `gen` prints: each file it created, updated or removed (with --dry-run, the diffs), the commands it ran, what it staged; and --json. */

import type { GenerateResult } from '../../commands/gen.js';
import type { StagedResult } from '../../commands/stage.js';
import { displayPath } from '../../config/load.js';
import { colorEnabled } from '../../diagnostics/format.js';
import { toJson } from '../../diagnostics/report.js';
import type { IgnoredFile } from '../../git/ignored.js';
import type { BlockKind } from '../../registry/types.js';
import { verifyStamp } from '../../support/stamp.js';
import { visible } from '../../support/visible.js';
import { type Change, manifestName } from '../../write/index.js';
import type { Command } from '../command-table.js';
import { formatDiff, unifiedDiff } from '../diff.js';
import { count, type Io, interruptedText, outPath, printConflicts, printIgnored } from './common.js';

/** How gen and check name the blocks they rewrite in the registry: `diagram block`, or with the article, `the diagram`. */
const blockNames: Readonly<Record<BlockKind, { short: string; long: string }>> = {
  diagram: { short: 'diagram block', long: 'the diagram' },
  env: { short: 'env sample', long: 'the env sample' },
  python: { short: 'python sample', long: 'the python sample' },
  ts: { short: 'ts sample', long: 'the ts sample' },
};

/** `a`, `a and b`, `a, b and c`. */
const listed = (names: readonly string[]): string => (names.length < 2 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`);

/** `diagram block and env sample` (`long`: `the diagram and the env sample`). */
export function blocksNamed(kinds: readonly BlockKind[], form: 'short' | 'long' = 'short'): string {
  return listed(kinds.map((kind) => blockNames[kind][form]));
}

/** A file check reports, with its content before and after (`undefined`: missing). */
export interface StaleFile {
  relative: string;
  status: 'stale' | 'missing' | 'extra' | 'edited' | 'foreign';
  before: string | undefined;
  after: string | undefined;
}

/** Every output check or gen --json reports, by path. */
export function staleFiles(result: GenerateResult): StaleFile[] {
  const planned = result.plan!;
  return [
    ...planned.changes.map((change) => ({ relative: change.path, status: statusOf(change), before: change.before, after: change.after })),
    ...planned.conflicts.map((conflict) => ({
      relative: conflict.path,
      status: conflict.reason,
      before: conflict.before as string | undefined,
      after: conflict.after as string | undefined,
    })),
  ].sort((a, b) => (a.relative < b.relative ? -1 : a.relative > b.relative ? 1 : 0));
}

/** The whole patch, stamps included: --json keeps every byte. */
export function fullPatch(name: string, before: string | undefined, after: string | undefined): string {
  const { lines } = unifiedDiff(name, before, after, false);
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

export function statusOf(change: Change): 'stale' | 'missing' | 'extra' {
  return change.kind === 'update' ? 'stale' : change.kind === 'create' ? 'missing' : 'extra';
}

export function printJson(result: GenerateResult, command: Command, io: Io): number {
  const diagnostics = result.diagnostics.map((message) => toJson(message, result.displayPath));
  if (command === 'check') {
    const files = [
      ...(result.plan ? staleFiles(result) : []).map((file) => {
        const name = outPath(result, file.relative, io);
        return { path: name, status: file.status, before: file.before ?? null, after: file.after ?? null, diff: fullPatch(name, file.before, file.after) };
      }),
      ...(result.sourceUpdate
        ? [
            {
              path: result.sourceUpdate.path,
              status: 'stale',
              before: result.sourceUpdate.before,
              after: result.sourceUpdate.after,
              diff: fullPatch(result.sourceUpdate.path, result.sourceUpdate.before, result.sourceUpdate.after),
            },
          ]
        : []),
    ];
    const interrupted = result.plan?.interrupted;
    // present only while an interrupted run's journal stands: which files are from that run, which from the one before
    const extra = interrupted
      ? {
          interrupted: {
            pid: interrupted.pid,
            started: visible(interrupted.started),
            ...Object.fromEntries(Object.entries(interrupted.files).map(([state, paths]) => [state, paths.map((file) => outPath(result, file, io))])),
            ...(interrupted.registry ? { registry: { path: displayPath(interrupted.registry.file, io.cwd), state: interrupted.registry.state } } : {}),
          },
        }
      : {};
    // outputs git would not commit, with the rule that ignores each (check's result has them; gen's does not)
    const ignored = ('ignored' in result ? (result.ignored as IgnoredFile[]) : []).map((each) => ({
      path: displayPath(each.file, io.cwd),
      rule: { file: displayPath(each.source, io.cwd), line: each.line, pattern: each.pattern },
    }));
    io.stdout(`${JSON.stringify({ diagnostics, files, ignored, ...extra }, null, 2)}\n`);
    return !result.plan || files.length > 0 || interrupted ? 1 : 0;
  }
  // outputs gen must not replace are errors too, reported at the output file
  for (const conflict of result.plan?.conflicts ?? []) {
    diagnostics.push({
      file: outPath(result, conflict.path, io),
      line: null,
      column: null,
      severity: 'error',
      message:
        conflict.reason === 'edited'
          ? 'Edited by hand since portbook wrote it: move the change into the registry or a template, or run `portbook gen --force`'
          : 'Not written by portbook, and portbook never replaces such a file: move or delete it',
      ruleId: conflict.reason === 'edited' ? 'output-edited' : 'output-foreign',
    });
  }
  io.stdout(`${JSON.stringify(diagnostics, null, 2)}\n`);
  return result.plan && result.plan.conflicts.length === 0 ? 0 : 1;
}

export function printGen(result: GenerateResult, dryRun: boolean, io: Io): number {
  const planned = result.plan!;
  if (planned.interrupted) {
    const then = planned.conflicts.length > 0 ? 'it stays so until gen can write' : dryRun ? '`portbook gen` finishes it' : 'finished now';
    io.stderr(`portbook: ${interruptedText(result, io)}; ${then}.\n`);
  }
  if (planned.conflicts.length > 0) return printConflicts(result, io);
  const color = colorEnabled(io.stdoutTty === true);
  if (dryRun) {
    // the manifest's diff is hashes: bookkeeping, listed below but not shown
    for (const change of planned.changes) {
      if (change.path !== manifestName) io.stdout(formatDiff(unifiedDiff(outPath(result, change.path, io), change.before, change.after), Infinity, color));
    }
  }
  const verbs = dryRun
    ? { create: 'would create', update: 'would update', remove: 'would remove' }
    : { create: 'created', update: 'updated', remove: 'removed' };
  // one write, not one per file: a first gen of 2,000 services lists 2,000 files
  const listing = planned.changes.map((change) => `${verbs[change.kind]} ${outPath(result, change.path, io)}\n`).join('');
  if (listing) io.stdout(listing);
  if (result.sourceUpdate) {
    if (dryRun) io.stdout(formatDiff(unifiedDiff(result.sourceUpdate.path, result.sourceUpdate.before, result.sourceUpdate.after), Infinity, color));
    io.stdout(`${verbs.update} ${result.sourceUpdate.path} (its ${blocksNamed(result.sourceUpdate.blocks)})\n`);
  }
  for (const ran of result.commands) io.stdout(`${ran.kind === 'validate' ? 'validated' : 'reloaded'} ${ran.target}: ${ran.command}\n`);
  if ('staged' in result) {
    const staged = result as StagedResult;
    if (staged.staged.length > 0) io.stdout(`staged ${count(staged.staged.length, 'file')}\n`);
    printIgnored(staged.ignored, io);
    if (staged.registryLeft) {
      const name = displayPath(staged.registryLeft.file, io.cwd);
      const blocks = blocksNamed(result.sourceUpdate?.blocks ?? ['diagram']);
      io.stderr(
        staged.registryLeft.why === 'untracked'
          ? `portbook: not staged: ${name}, whose ${blocks} gen updated, is not tracked by this repository; \`git add ${name}\` to commit it\n`
          : `portbook: not staged: ${name}, whose ${blocks} gen updated, also has edits of yours that are not staged; \`git add ${name}\` when you stage them\n`,
      );
    }
  }
  // the manifest is portbook's own record: replaced even when changed by hand (or a merge), but not in silence
  const manifest = planned.changes.find((change) => change.path === manifestName);
  if (!dryRun && manifest?.before !== undefined && verifyStamp(manifest.before) === 'edited') {
    io.stderr(
      `portbook: rewrote ${outPath(result, manifestName, io)}, which was changed since portbook wrote it: it is portbook's own record, and every gen rewrites it\n`,
    );
  }
  for (const kept of planned.kept) {
    io.stderr(`portbook: kept ${outPath(result, kept, io)}: it is no longer generated but was edited by hand; delete it yourself if it is not needed\n`);
  }
  const out = outPath(result, '', io);
  const total = planned.changes.filter((change) => change.kind !== 'remove').length + planned.unchanged.length;
  if (planned.changes.length === 0 && !result.sourceUpdate)
    io.stdout(`${out} ${planned.interrupted && !dryRun ? 'is complete again' : 'is up to date'} (${count(total, 'file')}).\n`);
  return 0;
}
