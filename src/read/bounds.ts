/**
 * What the parser is never given: a document nested deeper than a registry
 * ever is. micromark's work grows with nesting (1,000 nested list items, 1 MB,
 * take minutes), and deep trees overflow the stack of whatever walks them.
 * One linear pass over the lines, before the parser, finds the first line that
 * nests too deep and reports it there.
 */
import type { VFile } from 'vfile';
import { report } from '../diagnostics/report.js';

/** Containers (block quotes and list items) a line may stand in; registries nest two or three deep. */
export const maxNestingDepth = 32;

/** How deep a line nests: its `>` markers and list markers, and its leading indentation (two columns a level) when it opens a list item or a quote. */
export function nestingDepth(line: string): number {
  let depth = 0;
  let indent = 0;
  let i = 0;
  for (;;) {
    const char = line[i];
    // the indentation before the first marker says how deep a list item sits; the spaces between markers say nothing
    if (char === ' ') indent += depth === 0 ? 1 : 0;
    else if (char === '\t') indent += depth === 0 ? 4 - (indent % 4) : 0;
    else if (char === '>') depth += 1;
    else {
      // a list marker and the space after it: `-`, `*`, `+`, `1.`, `1)`
      const marker = /^(?:[-*+]|\d{1,9}[.)])(?=[ \t]|$)/.exec(line.slice(i))?.[0];
      if (marker === undefined) break;
      depth += 1;
      i += marker.length;
      continue;
    }
    i += 1;
  }
  return depth === 0 ? 0 : depth + Math.floor(indent / 2);
}

/** Report the first line nested deeper than `limit` (outside fenced code) and return whether the document may be parsed. */
export function withinBounds(text: string, file: VFile, limit = maxNestingDepth): boolean {
  let fence: string | undefined;
  let line = 0;
  for (let start = 0; start <= text.length; ) {
    const end = text.indexOf('\n', start);
    const content = text.slice(start, end === -1 ? text.length : end);
    line += 1;
    const marker = /^ {0,3}(`{3,}|~{3,})/.exec(content)?.[1];
    if (marker && (fence === undefined || (marker[0] === fence[0] && marker.length >= fence.length))) fence = fence === undefined ? marker : undefined;
    else if (fence === undefined) {
      const depth = nestingDepth(content);
      if (depth > limit) {
        report(
          file,
          'registry-too-deep',
          `Unexpected nesting ${depth} levels deep (block quotes and list items), expected at most ${limit}: portbook reads no further; a registry's tables and lists nest two or three deep, so flatten this part`,
          { line, column: 1 },
        );
        return false;
      }
    }
    if (end === -1) break;
    start = end + 1;
  }
  return true;
}
