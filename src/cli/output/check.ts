/** What `check` prints: one line per stale file, then noise-free diffs, then the command that fixes it. */

import type { GenerateResult } from '../../commands/gen.js';
import type { PathOptions } from '../../config/load.js';
import { colorEnabled } from '../../diagnostics/format.js';
import { manifestName, parseManifest } from '../../write/index.js';
import { counts, formatDiff, unifiedDiff } from '../diff.js';
import { count, fixCommand, type Io, interruptedText, outPath } from './common.js';
import { type StaleFile, staleFiles } from './gen.js';

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

export function printCheck(result: GenerateResult, io: Io, paths: PathOptions): number {
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
    summary.push(`stale: ${update.path} (its diagram block${counts(diff) ? `; ${counts(diff).trim().slice(1, -1)}` : ''})\n`);
    diffs.push(formatDiff(diff, 20, color));
  }
  const files = others.length + (note === undefined ? 0 : 1);
  io.stdout(summary.join('') + (diffs.length > 0 ? `\n${diffs.join('')}` : ''));
  const what = [
    interrupted ? 'the last gen was interrupted' : '',
    files > 0 ? `${count(files, 'file')} out of date in ${out}` : '',
    update ? `the diagram in ${update.path} is out of date` : '',
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
  io.stdout(`\n${what.charAt(0).toUpperCase()}${what.slice(1)}. ${advice.charAt(0).toUpperCase()}${advice.slice(1)} and commit the result.\n`);
  return 1;
}
