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
  // the diff library is loaded only when a diff is shown: most runs show none
  const patch = onDemand('diff').createTwoFilesPatch(
    before === undefined ? '/dev/null' : `a/${name}`,
    after === undefined ? '/dev/null' : `b/${name}`,
    shown(before),
    shown(after),
    undefined,
    undefined,
    {
      context: 2,
    },
  );
  const lines = patch.split('\n').slice(1, -1); // drop the `===` line and the final empty one
  const body = lines.slice(2); // after `--- a/…` and `+++ b/…`
  return {
    lines: body.length > 0 ? lines : [],
    added: body.filter((line) => line.startsWith('+')).length,
    removed: body.filter((line) => line.startsWith('-')).length,
  };
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
