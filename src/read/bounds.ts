/**
 * What the parser is never given: a document nested deeper than a registry
 * ever is, or with more link brackets and emphasis marks in one paragraph or
 * table row than prose ever has. micromark's work grows with nesting (1,000
 * nested list items, 1 MB, take minutes), and deep trees overflow the stack of
 * whatever walks them; each closing bracket `]` looks back over everything
 * before it in its paragraph or cell, and emphasis and strikethrough are
 * matched pair by pair, so their cost grows with the square of their number
 * (`[a][b]` 50,000 times in one cell: 43 s; 8,000 nested `~~`: a minute).
 * One linear pass over the lines, before the parser, finds the first line
 * that goes too far and reports it there.
 */
import type { VFile } from 'vfile';
import { code, report } from '../diagnostics/report.js';

/** Containers (block quotes and list items) a line may stand in; registries nest two or three deep. */
export const maxNestingDepth = 32;

/** Link brackets and emphasis marks (`]`, `*`, `_`, `~`, outside code spans) one paragraph or table row may hold: prose has tens. */
export const maxMarkupPerBlock = 1000;

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

/** Where a line's content starts: past the indentation, the `>` markers and the list markers of its containers; and whether it opens a list item. */
function afterContainers(line: string): { rest: string; item: boolean } {
  const match = /^(?:[ \t]*(?:>|(?:[-*+]|\d{1,9}[.)])(?=[ \t]|$)))*[ \t]*/.exec(line)![0];
  return { rest: line.slice(match.length), item: /(?:^|[ \t>])(?:[-*+]|\d{1,9}[.)])(?=[ \t]|$)/.test(match) };
}

/**
 * The columns (0-based) of a line's link brackets and emphasis marks outside
 * code spans: a run of backticks opens a span that the next run of the same
 * length closes, found in one pass (a regular expression would backtrack).
 */
export function markupColumns(line: string): number[] {
  const runs: Array<{ start: number; length: number }> = [];
  for (let i = 0; i < line.length; ) {
    if (line[i] !== '`') {
      i++;
      continue;
    }
    const start = i;
    while (line[i] === '`') i++;
    runs.push({ start, length: i - start });
  }
  // for each run, the next run of the same length: the end of its code span
  const closer = new Array<number>(runs.length).fill(-1);
  const nextOfLength = new Map<number, number>();
  for (let r = runs.length - 1; r >= 0; r--) {
    closer[r] = nextOfLength.get(runs[r]!.length) ?? -1;
    nextOfLength.set(runs[r]!.length, r);
  }
  const columns: number[] = [];
  let run = 0;
  for (let i = 0; i < line.length; i++) {
    if (run < runs.length && i === runs[run]!.start) {
      const close = closer[run]!;
      const last = close === -1 ? runs[run]! : runs[close]!;
      i = last.start + last.length - 1;
      run = close === -1 ? run + 1 : close + 1;
      continue;
    }
    const char = line[i];
    if (char === ']' || char === '*' || char === '_' || char === '~') columns.push(i);
  }
  return columns;
}

/**
 * Counts the markup of the paragraph or table row being read, line by line:
 * a blank line, a heading, a list item or a thematic break ends a paragraph;
 * after a table's delimiter row, each line is a row of its own.
 */
class MarkupCount {
  private count = 0;
  private from = 0;
  private inTable = false;

  constructor(private readonly limit: number) {}

  /** The column past the limit on this line and the line its paragraph started on, or `undefined`. */
  add(line: string, number: number): { column: number; from: number; row: boolean } | undefined {
    const { rest, item } = afterContainers(line);
    if (rest === '' || /^#{1,6}(?:[ \t]|$)/.test(rest) || /^(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$/.test(rest)) {
      this.count = 0;
      this.inTable = false;
      return undefined;
    }
    if (item || this.inTable) this.count = 0;
    if (this.count === 0) this.from = number;
    if (/^\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/.test(rest) && rest.includes('|')) {
      this.inTable = true;
      this.count = 0;
      return undefined;
    }
    const columns = markupColumns(line);
    const over = columns[this.limit - this.count];
    this.count += columns.length;
    return over === undefined ? undefined : { column: over + 1, from: this.from, row: this.inTable };
  }
}

/** Report the first line nested deeper than `limit`, or with more markup in one paragraph than `markup` (outside fenced code), and return whether the document may be parsed. */
export function withinBounds(text: string, file: VFile, limit = maxNestingDepth, markup = maxMarkupPerBlock): boolean {
  let fence: string | undefined;
  let line = 0;
  const counted = new MarkupCount(markup);
  for (let start = 0; start <= text.length; ) {
    const end = text.indexOf('\n', start);
    const content = text.slice(start, end === -1 ? text.length : end);
    line += 1;
    const marker = /^ {0,3}(`{3,}|~{3,})/.exec(content)?.[1];
    if (marker && (fence === undefined || (marker[0] === fence[0] && marker.length >= fence.length))) {
      fence = fence === undefined ? marker : undefined;
      counted.add('', line);
    } else if (fence === undefined) {
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
      const dense = counted.add(content, line);
      if (dense) {
        const where = dense.row ? 'one table row' : dense.from === line ? 'one paragraph' : `one paragraph (from line ${dense.from})`;
        report(
          file,
          'registry-too-dense',
          `Unexpected ${code(content[dense.column - 1])}, link bracket or emphasis mark number ${markup + 1} (\`]\`, \`*\`, \`_\`, \`~\`) in ${where}, expected at most ${markup}: ` +
            "the Markdown parser's time grows with the square of their number, so portbook reads no further; split the paragraph, or put the text in a fenced code block",
          { line, column: dense.column },
        );
        return false;
      }
    }
    if (end === -1) break;
    start = end + 1;
  }
  return true;
}
