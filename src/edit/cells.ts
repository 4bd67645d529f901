/**
 * Table cells in the registry's text: find where a cell ends, replace its
 * content keeping its markup, escape a value for a cell, and insert a column.
 * Edits touch only the bytes they must: spacing, line endings and the BOM stay.
 */

import type { Point } from '../registry/types.js';
import { PortbookError } from '../support/errors.js';
import type { Lines } from '../support/lines.js';

/** The end (exclusive) of the cell that starts at `index` in `line`: the next unescaped pipe, or the line end. */
export function cellEnd(line: string, index: number): number {
  for (let i = index; i < line.length; i++) {
    if (line[i] === '\\') i++;
    else if (line[i] === '|' || line[i] === '\r' || line[i] === '\n') return i;
  }
  return line.length;
}

/** Replace a cell's content (from `at` to the cell's end, trailing spaces kept) with `content`. */
export function replaceCell(lines: Lines, at: Point, text: string, content: string): void {
  const index = at.line - 1;
  const line = lines.lines[index];
  if (line === undefined) throw new Error(`internal: no line ${at.line}`);
  const start = at.column - 1;
  const end = cellEnd(line, start);
  const cell = line.slice(start, end);
  let replacement: string;
  if (cell.trim() === '') {
    // an empty cell (its position is just after the pipe): the value with one space each side
    replacement = content === '' ? cell : ` ${content} `;
  } else {
    const trailing = /\s*$/.exec(cell)![0];
    const body = cell.slice(0, cell.length - trailing.length);
    // keep markup around the value (`` `xxxx` `` → `` `16001` ``); clearing a cell drops its markup too
    // a function, so `$&` or `$'` in the new value are not replacement patterns
    const replaced = content === '' ? '' : text !== '' && body.includes(text) ? body.replace(text, () => content) : content;
    replacement = replaced + (trailing === '' && line[end] === '|' ? ' ' : trailing);
  }
  lines.lines[index] = line.slice(0, start) + replacement + line.slice(end);
}

/** Escape a value for a table cell: pipes escaped, line breaks refused. */
export function cellValue(value: string, what: string): string {
  if (/[\r\n\u2028\u2029]/.test(value)) throw new PortbookError(`${what} must be one line`);
  return value.trim().replace(/\\/g, '\\\\').replace(/\|/g, '\\|');
}

/** Where each cell boundary (unescaped pipe) of a table line stands, and whether the line has a leading pipe. */
function pipesOf(line: string): { pipes: number[]; leading: boolean } {
  const pipes: number[] = [];
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '\\') i++;
    else if (line[i] === '|') pipes.push(i);
  }
  return { pipes, leading: /^\s*\|/.test(line) };
}

/**
 * Insert a column after the `after`-th column (0-based) of the table whose
 * header is on line `header` and whose last row is on line `end`: the header
 * gets `title`, the delimiter row `---`, each row an empty cell. A row too
 * short to reach the column is left as it is (its missing cells read as empty).
 */
export function insertColumn(lines: Lines, header: number, end: number, after: number, title: string): void {
  for (let number = header; number <= end; number++) {
    const line = lines.lines[number - 1];
    if (line === undefined) throw new Error(`internal: no line ${number}`);
    const { pipes, leading } = pipesOf(line);
    // the pipe that closes the `after`-th cell: with a leading pipe, the first pipe opens the first cell
    const closing = pipes[after + (leading ? 1 : 0)];
    const content = number === header ? ` ${title} ` : number === header + 1 ? ' --- ' : '  ';
    if (closing !== undefined) {
      lines.lines[number - 1] = `${line.slice(0, closing + 1)}${content}|${line.slice(closing + 1)}`;
      continue;
    }
    // the column is the last one and the line has no closing pipe: add the cell at its end
    const body = line.replace(/(\r\n|\r|\n)$/, '');
    const eol = line.slice(body.length);
    const cells = pipes.length - (leading ? 1 : 0) + 1;
    if (cells === after + 1) lines.lines[number - 1] = `${body} |${content.trimEnd()}${eol}`;
  }
}
