/**
 * The diffs the CLI shows (check, gen --dry-run, refused hand edits, the
 * hook): unified, with the `portbook:sha256:<hex>` stamp normalised so that a
 * one-port edit shows only the port's lines, and coloured when asked.
 */

import { paint } from '../diagnostics/format.js';
import { onDemand } from '../support/on-demand.js';
import { visible } from '../support/visible.js';

const stampPattern = /portbook:sha256:[0-9a-f]{64}/g;

/** The content with its stamp's hash replaced by `…`: two renders that differ only there compare equal. */
export function withoutStamp(text: string): string {
  return text.replace(stampPattern, 'portbook:sha256:…');
}

export interface Diff {
  /** The patch lines, from `--- a/…` on (no `Index`/`===` lines, no trailing newline). */
  lines: string[];
  added: number;
  removed: number;
}

/**
 * The unified diff of `name` from `before` to `after` (`undefined`: the file
 * is missing), with two lines of context. `normalise` compares with the
 * stamps normalised (for people); without it, every byte counts (for --json).
 */
export function unifiedDiff(name: string, before: string | undefined, after: string | undefined, normalise = true): Diff {
  const shown = (text: string | undefined): string => (text === undefined ? '' : normalise ? withoutStamp(text) : text);
  const [from, to] = [before === undefined ? '/dev/null' : `a/${name}`, after === undefined ? '/dev/null' : `b/${name}`];
  // the diff library is loaded only when a diff is shown: most runs show none
  const patch =
    onDemand('diff').createTwoFilesPatch(from, to, shown(before), shown(after), undefined, undefined, { context: 2, maxEditLength }) ??
    wholeReplacement(from, to, shown(before), shown(after));
  const lines = patch.split('\n').slice(1, -1); // drop the `===` line and the final empty one
  const body = lines.slice(2); // after `--- a/…` and `+++ b/…`
  return {
    lines: body.length > 0 ? lines : [],
    added: body.filter((line) => line.startsWith('+')).length,
    removed: body.filter((line) => line.startsWith('-')).length,
  };
}

/**
 * The most lines a diff may differ by before it is shown as the whole file
 * replaced. jsdiff's cost grows with the file's length times the lines that
 * differ: a check of 2,000 services, every port moved, spent seconds on
 * settings.ts alone (6,000 lines), to show 20 lines of it. Past this many
 * changes a minimal diff tells a reader no more than the whole file does.
 */
const maxEditLength = 1000;

/** A patch that removes every line of `before` and adds every line of `after`, as createTwoFilesPatch writes one (its `===` line first). */
function wholeReplacement(from: string, to: string, before: string, after: string): string {
  const side = (text: string, sign: '-' | '+'): string[] => {
    if (text === '') return [];
    const lines = text
      .replace(/\n$/, '')
      .split('\n')
      .map((line) => `${sign}${line}`);
    return text.endsWith('\n') ? lines : [...lines, '\\ No newline at end of file'];
  };
  const removed = side(before, '-');
  const added = side(after, '+');
  const count = (lines: string[]): number => lines.filter((line) => !line.startsWith('\\')).length;
  const range = (lines: string[]): string => (count(lines) === 0 ? '0,0' : `1,${count(lines)}`);
  return ['='.repeat(67), `--- ${from}`, `+++ ${to}`, `@@ -${range(removed)} +${range(added)} @@`, ...removed, ...added, ''].join('\n');
}

/** `(+1 -1)`, or `''` when nothing changed. */
export function counts(diff: Diff): string {
  return diff.added + diff.removed === 0 ? '' : ` (+${diff.added} -${diff.removed})`;
}

/**
 * A diff as the terminal shows it: indented by two, cut after `limit` lines,
 * hunks in colour when `color` (removed red, added green, `@@` cyan, file
 * names bold).
 */
export function formatDiff(diff: Diff, limit: number, color: boolean): string {
  const shown = diff.lines.slice(0, limit);
  const more = diff.lines.length - shown.length;
  // a file on disk (an edited or foreign one) is shown, never obeyed: its control characters as escapes
  const tinted = shown.map(visible).map((line, index) => {
    if (index < 2) return paint('bold', line, color);
    if (line.startsWith('@@')) return paint('cyan', line, color);
    if (line.startsWith('+')) return paint('green', line, color);
    if (line.startsWith('-')) return paint('red', line, color);
    return line;
  });
  return tinted.map((line) => `  ${line}\n`).join('') + (more > 0 ? `  … ${more} more line${more === 1 ? '' : 's'}\n` : '');
}
