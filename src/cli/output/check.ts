/** What `check` prints: one line per stale file, then noise-free diffs, then the command that fixes it. */

import path from 'node:path';
import type { CheckResult } from '../../commands/check.js';
import { displayPath, type PathOptions } from '../../config/load.js';
import { colorEnabled } from '../../diagnostics/format.js';
import { ruleOf } from '../../git/ignored.js';
import { manifestName, parseManifest } from '../../write/index.js';
import { counts, formatDiff, unifiedDiff } from '../diff.js';
import { count, fixCommand, type Io, interruptedText, outPath, printIgnoredOutputs, unignoreAdvice } from './common.js';
import { blocksNamed, type StaleFile, staleFiles } from './gen.js';

/**
 * Why the manifest is worth a line, or `undefined` when it is not: it is
 * bookkeeping, so only a missing one, one that lists other files, or one
 * whose record is the only thing out of date gets a line (`others`: how
 * many other files are stale). Never a diff: it is hashes.
 */
function manifestNote(file: StaleFile, others: number): string | undefined {
  if (file.status === 'missing') return 'gen needs it to know which outputs are its own';
  const names = (text: string | undefined): string | undefined => {
    const files = text === undefined ? undefined : parseManifest(text)?.files;
    return files && JSON.stringify(Object.keys(files).sort());
  };
  if (names(file.before) === undefined) return 'it cannot be read';
  if (names(file.before) !== names(file.after)) return 'it lists other files than gen writes';
  return others === 0 ? 'its record of the outputs’ hashes is out of date' : undefined;
}

export function printCheck(result: CheckResult, io: Io, paths: PathOptions): number {
  const planned = result.plan!;
  const all = staleFiles(result);
  const manifest = all.find((file) => file.relative === manifestName);
  const others = all.filter((file) => file !== manifest);
  const note = manifest && manifestNote(manifest, others.length);
  const out = outPath(result, '', io);
  const update = result.sourceUpdate;
  const interrupted = planned.interrupted;
  if (others.length === 0 && note === undefined && !update && !interrupted) {
    io.stdout(`${out} is up to date.\n`);
    // here, yes; but CI and every other clone lack what git ignores
    printIgnoredOutputs(result.ignored, io, unignoreAdvice);
    return 0;
  }
  const color = colorEnabled(io.stdoutTty === true);
  const why = { stale: '', missing: '', extra: 'no longer generated', edited: 'by hand, since portbook wrote it', foreign: 'not written by portbook' };
  const summary: string[] = interrupted ? [`interrupted: ${interruptedText(result, io)}\n`] : [];
  const diffs: string[] = [];
  for (const file of others) {
    const name = outPath(result, file.relative, io);
    const diff = unifiedDiff(name, file.before, file.after);
    const stampOnly = diff.lines.length === 0 && file.before !== file.after ? 'only its portbook:sha256 stamp differs' : '';
    const notes = [why[file.status], file.status === 'foreign' ? '' : counts(diff).trim().slice(1, -1), stampOnly].filter(Boolean);
    summary.push(`${file.status}: ${name}${notes.length > 0 ? ` (${notes.join('; ')})` : ''}\n`);
    // a missing or extra file's diff is the whole file, a foreign one's is not portbook's: the line says enough
    if (file.status === 'stale' || file.status === 'edited') diffs.push(formatDiff(diff, 20, color));
  }
  if (manifest && note !== undefined) summary.push(`${manifest.status}: ${outPath(result, manifest.relative, io)} (${note})\n`);
  if (update) {
    const diff = unifiedDiff(update.path, update.before, update.after);
    summary.push(`stale: ${update.path} (its ${blocksNamed(update.blocks)}${counts(diff) ? `; ${counts(diff).trim().slice(1, -1)}` : ''})\n`);
    diffs.push(formatDiff(diff, 20, color));
  }
  const files = others.length + (note === undefined ? 0 : 1);
  io.stdout(summary.join('') + (diffs.length > 0 ? `\n${diffs.join('')}` : ''));
  const what = [
    interrupted ? 'the last gen was interrupted' : '',
    files > 0 ? `${count(files, 'file')} out of date in ${out}` : '',
    update ? `${blocksNamed(update.blocks, 'long')} in ${update.path} ${update.blocks.length > 1 ? 'are' : 'is'} out of date` : '',
  ]
    .filter(Boolean)
    .join(', and ');
  // gen refuses hand edits (without --force) and files it did not write (always): say what it takes instead
  const edited = planned.conflicts.some((conflict) => conflict.reason === 'edited');
  const foreign = planned.conflicts.some((conflict) => conflict.reason === 'foreign');
  const steps = [
    foreign ? 'move or delete the files portbook did not write (it never replaces them)' : '',
    edited ? 'move the hand edits into the registry or a template' : '',
    `run ${fixCommand(paths, edited)}`,
  ].filter(Boolean);
  const advice = `${steps.slice(0, -1).join(', ')}${steps.length > 1 ? ', then ' : ''}${steps.at(-1)!}`;
  const reported = new Set(all.map((file) => path.join(result.config.out, ...file.relative.split('/'))));
  io.stdout(
    `\n${what.charAt(0).toUpperCase()}${what.slice(1)}. ${advice.charAt(0).toUpperCase()}${advice.slice(1)} and ${commitAdvice(result, reported, io)}.\n`,
  );
  // ignored outputs that are up to date here: still missing in CI and every other clone
  printIgnoredOutputs(
    result.ignored.filter((each) => !reported.has(each.file)),
    io,
    unignoreAdvice,
  );
  return 1;
}

/**
 * How to commit the result: plainly, unless git ignores some of the files
 * check reports (a fresh clone lacks them because of that, and committing
 * cannot bring them). Then the rules to change come first.
 */
function commitAdvice(result: CheckResult, reported: ReadonlySet<string>, io: Io): string {
  const ignored = result.ignored.filter((each) => reported.has(each.file));
  if (ignored.length === 0) return 'commit the result';
  const files = ignored.map((each) => displayPath(each.file, io.cwd)).join(', ');
  const rules = [...new Set(ignored.map((each) => ruleOf(each, io.cwd)))];
  const them = ignored.length === 1 ? 'it' : 'them';
  return (
    `commit the result; but git ignores ${files}, so no commit can contain ${them}: first change ` +
    `${rules.length === 1 ? 'the rule that ignores' : 'the rules that ignore'} ${them} (${rules.join(', ')}), ` +
    'or run `portbook init --unignore-outputs`, which adds a negation line for each output after the rule'
  );
}
