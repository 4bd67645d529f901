/**
 * Text to mdast: the remark processor as portbook configures it, and the
 * parse of very long tables in slices joined back with their true positions.
 */
import type { Nodes, Root } from 'mdast';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import { type Data, type Processor, unified } from 'unified';

/**
 * Rows of one table parsed at a time. micromark's time and memory per row grow
 * with the length of the table it is in (its events are spliced and resolved
 * as a whole); on a 2,000-row table, slices of 50 rows parse in two thirds of
 * the time slices of 250 take (`node --cpu-prof`, see docs/speed.md).
 */
export const rowsPerChunk = 50;

/**
 * remark-gfm's literal-autolink transform walks every text node of the tree
 * with a regular expression to wrap bare URLs in link nodes: a fifth of a large
 * registry's parse. Extraction reads cells as text, and a link's text is the
 * URL as written, so every value is the same without it. The tokenizer part of
 * the extension stays: it still keeps `*` and `_` inside URLs from emphasis.
 */
function withoutLiteralAutolinkTransform(this: Processor): void {
  type Extension = Exclude<NonNullable<Data['fromMarkdownExtensions']>[number], unknown[]>;
  const strip = (extension: Extension): Extension => (extension.enter && 'literalAutolink' in extension.enter ? { ...extension, transforms: [] } : extension);
  const data = this.data();
  data.fromMarkdownExtensions = (data.fromMarkdownExtensions ?? []).map((entry) => (Array.isArray(entry) ? entry.map(strip) : strip(entry)));
}

/**
 * remark-gfm's email-autolink construct is tried at every ASCII letter and
 * digit of inline text (it looks for an `@` ahead): the most tried construct in
 * a registry's cells, and one no registry needs, since extraction reads a link
 * as the text written. The other autolink literals (`www.`, `http://`) stay.
 */
function withoutEmailAutolink(this: Processor): void {
  type Extension = NonNullable<Data['micromarkExtensions']>[number];
  const strip = (extension: Extension): Extension => {
    if (!extension.text) return extension;
    const text: NonNullable<Extension['text']> = {};
    for (const [code, constructs] of Object.entries(extension.text)) {
      const kept = [constructs ?? []].flat().filter((construct) => construct.name !== 'emailAutolink');
      if (kept.length > 0) text[code] = kept;
    }
    return { ...extension, text };
  };
  const data = this.data();
  data.micromarkExtensions = (data.micromarkExtensions ?? []).map(strip);
}

/** What the cache's stamp says of the parser: a change here (or of the build) leaves every cached tree unused. */
export const parserConfiguration = 'remark-parse 11, remark-gfm 4 without the literal-autolink transform and email autolinks';

/** The parser: remark-parse with remark-gfm (tables, strikethrough), as portbook configures it. */
export function processor(): Processor<Root> {
  return unified().use(remarkParse).use(remarkGfm).use(withoutLiteralAutolinkTransform).use(withoutEmailAutolink) as unknown as Processor<Root>;
}

const delimiterRow = /^ {0,3}\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;

/**
 * Whether the document may hold a link reference or footnote definition: a
 * line that starts with `[` after indentation and container markers, in a
 * document that has a `]:` somewhere (a label may span lines). A definition
 * counts for the whole document, so such a document is parsed whole.
 */
export function mayDefine(text: string): boolean {
  return text.includes(']:') && /^[ \t>]*(?:(?:[-+*]|\d{1,9}[.)])[ \t>]+)*\[/m.test(text);
}

/**
 * The lines where a long table is cut, each with that table's header and
 * delimiter rows: every `chunk` rows of a table at the document's own level
 * (at the margin, after a blank line or a heading; not in a list, a quote, a
 * paragraph or a fenced code block).
 */
export function tableSlices(lines: readonly string[], chunk = rowsPerChunk): Map<number, string> {
  const slices = new Map<number, string>();
  let fence: string | undefined; // the marker of the fenced code block the scan is in
  for (let i = 0; i + 1 < lines.length; i++) {
    const line = lines[i]!;
    const marker = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (marker && (fence === undefined || (marker[0] === fence[0] && marker.length >= fence.length && /^ {0,3}[`~]+\s*$/.test(line)))) {
      fence = fence === undefined ? marker : undefined;
      continue;
    }
    if (fence !== undefined) continue;
    const after = i === 0 || /^\s*$/.test(lines[i - 1]!) || /^ {0,3}#/.test(lines[i - 1]!);
    if (!after || !line.startsWith('|') || !delimiterRow.test(lines[i + 1]!) || !lines[i + 1]!.includes('-')) continue;
    let end = i + 2;
    while (end < lines.length && /^ {0,3}\|/.test(lines[end]!)) end++;
    for (let split = i + 2 + chunk; split < end; split += chunk) slices.set(split, `${line}\n${lines[i + 1]!}\n`);
    i = end - 1;
  }
  return slices;
}

/** A part of a document parsed on its own: lines `from` to `to` (exclusive), behind `prefix` (a table's header and delimiter rows) when it goes on with a table. */
export interface Part {
  from: number;
  to: number;
  prefix: string;
}

/**
 * The parts a document is parsed in: cut at every table slice, and at the
 * block starts in `cuts` that leave at least `least` characters before them
 * (small blocks go together).
 */
export function partsOf(lines: readonly string[], cuts: readonly number[], slices: ReadonlyMap<number, string>, least = 0): Part[] {
  const parts: Part[] = [];
  const bounds = new Set(cuts);
  let from = 0;
  let size = 0;
  for (let k = 0; k < lines.length; k++) {
    if (k > 0 && (slices.has(k) || (size >= least && bounds.has(k)))) {
      parts.push({ from, to: k, prefix: slices.get(from) ?? '' });
      from = k;
      size = 0;
    }
    size += lines[k]!.length + 1;
  }
  parts.push({ from, to: lines.length, prefix: slices.get(from) ?? '' });
  return parts;
}

/**
 * Join parts parsed on their own (`parsePart` gets a part's text, its prefix
 * first) into the document's tree: each part's
 * positions moved to where it sits, a table's slices joined back into one
 * table. Undefined when a part that goes on with a table does not (an HTML
 * block or a construct the scans do not know): then the document is parsed whole.
 */
export function assemble(text: string, lines: readonly string[], parts: readonly Part[], parsePart: (partText: string) => Root): Root | undefined {
  const lineOffsets: number[] = [0];
  for (const line of lines) lineOffsets.push(lineOffsets.at(-1)! + line.length + 1);
  let root: Root | undefined;
  for (const part of parts) {
    const body = lines.slice(part.from, part.to).join('\n') + (part.to === lines.length ? '' : '\n');
    const tree = parsePart(part.prefix + body);
    if (root === undefined) {
      root = tree;
      continue;
    }
    const prefixLines = part.prefix === '' ? 0 : part.prefix.split('\n').length - 1;
    shift(tree, part.from - prefixLines, lineOffsets[part.from]! - part.prefix.length);
    let rest = tree.children;
    if (part.prefix !== '') {
      const [table, ...after] = tree.children;
      const previous = root.children.at(-1);
      if (table?.type !== 'table' || previous?.type !== 'table') return undefined;
      previous.children.push(...table.children.slice(1));
      if (previous.position && table.position) previous.position.end = table.position.end;
      rest = after;
    }
    // one at a time: spread arguments past some 100,000 overflow the stack
    for (const node of rest) root.children.push(node);
  }
  if (root!.position) root!.position.end = { line: lines.length, column: lines.at(-1)!.length + 1, offset: text.length };
  return root!;
}

/**
 * Parse with remark-parse + remark-gfm. A very long table is parsed in slices
 * of `chunk` rows, each given the table's header and delimiter rows, and the
 * slices' rows are joined back into one table with their true positions: the
 * same tree, without micromark holding the events of the whole table at once.
 */
export function parse(text: string, chunk = rowsPerChunk): Root {
  const parser = processor();
  // link reference definitions would not reach the other slices: parse such documents whole
  if (text.length < 64 * 1024 || mayDefine(text)) return parser.parse(text);
  const lines = text.split('\n');
  const slices = tableSlices(lines, chunk);
  if (slices.size === 0) return parser.parse(text);
  return assemble(text, lines, partsOf(lines, [0], slices), (partText) => parser.parse(partText)) ?? parser.parse(text);
}

/** Move every position in a tree by whole lines and characters (with a stack of its own: a tree of any depth). */
export function shift(tree: Nodes, lines: number, offset: number): void {
  const stack: Nodes[] = [tree];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.position) {
      for (const point of [node.position.start, node.position.end]) {
        point.line += lines;
        if (point.offset !== undefined) point.offset += offset;
      }
    }
    if ('children' in node) for (const child of node.children) stack.push(child as Nodes);
  }
}
