/**
 * The parse cache's entries (cache.ts): a part's mdast as compact bytes, and
 * back, given the part's text.
 *
 * JSON of an mdast tree repeats every key name and carries each position
 * twice over (line, column and offset of both ends): some 25 bytes of JSON for
 * every byte of a registry's table. Here each node is a handful of bytes, in
 * document order:
 *
 * - a byte: the node's type (the low five bits, `kinds` below) and three
 *   flags: the node has children, its `value` is written out, its lines and
 *   columns are written out;
 * - its start offset, less the start of the node before it (varint), and its
 *   length (varint); line and column are recomputed from the offsets and the
 *   text's own line ends, or read when the flag says they are written (the
 *   encoder sets it wherever the recomputed ones would differ);
 * - the type's fields in a fixed order: a heading's depth, a list's flags, a
 *   table's alignments, a code block's `lang` and `meta`, a link's title and
 *   url; then the `value`, unless it is ASCII and exactly the text between
 *   its offsets (see Decoder.slice);
 * - then, for a node that has children, how many, and the children.
 *
 * The encoder writes only trees it can give back exactly (node types and
 * fields remark-parse and remark-gfm make, in the order they make them, and
 * positions inside the text); for anything else it returns undefined and the
 * part is simply not cached. The decoder trusts nothing: every count, offset,
 * length, type, flag and field is checked against the text and the type, the
 * depth is bounded, and bytes left over refuse the entry; it returns
 * undefined for anything this encoder would not have written.
 */
import type { Nodes, Parent, Root } from 'mdast';

/** The form of the entries, in the cache's stamp: entries of another form are never read. */
export const entryFormat = 'entries compact mdast 1';

/**
 * The node types an entry holds, by their code: the fields each has besides
 * type, children and position (in the parser's order), and how the decoder
 * makes one from its position and the bytes after it (the fields in that
 * order, then its value, written out or the text's own).
 */
const kinds: ReadonlyArray<{ type: string; parent: boolean; fields: readonly string[]; read: NodeReader }> = [
  { type: 'root', parent: true, fields: [], read: (_, position) => ({ type: 'root', children: [], position }) },
  { type: 'paragraph', parent: true, fields: [], read: (_, position) => ({ type: 'paragraph', children: [], position }) },
  { type: 'heading', parent: true, fields: ['depth'], read: (decoder, position) => ({ type: 'heading', depth: depthOf(decoder), children: [], position }) },
  { type: 'thematicBreak', parent: false, fields: [], read: (_, position) => ({ type: 'thematicBreak', position }) },
  { type: 'blockquote', parent: true, fields: [], read: (_, position) => ({ type: 'blockquote', children: [], position }) },
  { type: 'list', parent: true, fields: ['ordered', 'start', 'spread'], read: readList },
  { type: 'listItem', parent: true, fields: ['spread', 'checked'], read: readListItem },
  { type: 'table', parent: true, fields: ['align'], read: (decoder, position) => ({ type: 'table', align: alignOf(decoder), children: [], position }) },
  { type: 'tableRow', parent: true, fields: [], read: (_, position) => ({ type: 'tableRow', children: [], position }) },
  { type: 'tableCell', parent: true, fields: [], read: (_, position) => ({ type: 'tableCell', children: [], position }) },
  {
    type: 'html',
    parent: false,
    fields: ['value'],
    read: (decoder, position, written) => ({ type: 'html', value: nodeValue(decoder, written, position), position }),
  },
  { type: 'code', parent: false, fields: ['lang', 'meta', 'value'], read: readCode },
  {
    type: 'text',
    parent: false,
    fields: ['value'],
    read: (decoder, position, written) => ({ type: 'text', value: nodeValue(decoder, written, position), position }),
  },
  { type: 'emphasis', parent: true, fields: [], read: (_, position) => ({ type: 'emphasis', children: [], position }) },
  { type: 'strong', parent: true, fields: [], read: (_, position) => ({ type: 'strong', children: [], position }) },
  { type: 'delete', parent: true, fields: [], read: (_, position) => ({ type: 'delete', children: [], position }) },
  {
    type: 'inlineCode',
    parent: false,
    fields: ['value'],
    read: (decoder, position, written) => ({ type: 'inlineCode', value: nodeValue(decoder, written, position), position }),
  },
  { type: 'break', parent: false, fields: [], read: (_, position) => ({ type: 'break', position }) },
  { type: 'link', parent: true, fields: ['title', 'url'], read: readLink },
  { type: 'image', parent: false, fields: ['title', 'url', 'alt'], read: readImage },
];
const codeOf = new Map(kinds.map((kind, code) => [kind.type, code]));
/** The keys of each type's nodes, in the order the parser makes them: a node with any other keys, or in another order, is not written. */
const keysOf = kinds.map((kind) => ['type', ...kind.fields, ...(kind.parent ? ['children'] : []), 'position'].join());

const typeBits = 0x1f;
const hasChildren = 0x80;
const valueWritten = 0x40;
const pointsWritten = 0x20;
/** Deeper trees are not cached (and deeper entries refused): nothing a registry holds comes near it. */
export const maxDepth = 1000;
const alignments = [null, 'left', 'right', 'center'] as const;

/** The offsets where the text's lines start (after `\n`, `\r\n` or `\r`, as micromark counts them). */
function lineStarts(text: string): number[] {
  const starts = [0];
  if (!text.includes('\r')) {
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
    return starts;
  }
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) starts.push(i + 1);
  }
  return starts;
}

/**
 * The index of the line that holds `offset` (the last start at or before it):
 * the same answer from any `hint`, found at once when it is the hint's line or
 * the next (a node's start after the node before it, its end after its
 * start), else by bisection: never a walk over the lines, whatever the offsets.
 */
function lineAt(starts: readonly number[], offset: number, hint: number): number {
  const next = starts[hint + 1] ?? Number.POSITIVE_INFINITY;
  if (starts[hint]! <= offset && offset < next) return hint;
  if (next <= offset && offset < (starts[hint + 2] ?? Number.POSITIVE_INFINITY)) return hint + 1;
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (starts[middle]! <= offset) low = middle;
    else high = middle - 1;
  }
  return low;
}

// ---------------------------------------------------------------- encoding

class Writer {
  bytes = new Uint8Array(4096);
  length = 0;

  private room(count: number): void {
    if (this.length + count <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + count));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  byte(value: number): void {
    this.room(1);
    this.bytes[this.length++] = value;
  }

  varint(value: number): void {
    this.room(5);
    let rest = value;
    while (rest > 0x7f) {
      this.bytes[this.length++] = (rest & 0x7f) | 0x80;
      rest >>>= 7;
    }
    this.bytes[this.length++] = rest;
  }

  /** A string's UTF-8 byte length (plus `extra`) and its bytes. */
  string(value: string, extra = 0): void {
    const encoded = Buffer.from(value, 'utf8');
    this.varint(encoded.length + extra);
    this.room(encoded.length);
    this.bytes.set(encoded, this.length);
    this.length += encoded.length;
  }
}

/** Thrown inside the encoder for a tree it cannot give back exactly. */
class Unwritable extends Error {}

const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= 0x7fffffff;

const ascii = /^[\x00-\x7f]*$/;

/** A string UTF-8 cannot hold as it is (it would read back as U+FFFD): not written. */
const loneSurrogate = /[\uD800-\uDFFF]/u;

function writeString(out: Writer, value: unknown): void {
  if (typeof value !== 'string' || loneSurrogate.test(value)) throw new Unwritable();
  out.string(value);
}

/** A string or null: 0 for null, else the string's byte length + 1 and its bytes. */
function writeNullable(out: Writer, value: unknown): void {
  if (value === null) out.varint(0);
  else {
    if (typeof value !== 'string' || loneSurrogate.test(value)) throw new Unwritable();
    out.string(value, 1);
  }
}

/** null, false or true as 0, 1 or 2. */
function ternary(value: unknown): number {
  if (value === null) return 0;
  if (typeof value !== 'boolean') throw new Unwritable();
  return value ? 2 : 1;
}

/** The fields of a node after its position (not its value: that goes with the flags). */
function writeFields(out: Writer, node: Record<string, unknown>, code: number): void {
  const type = kinds[code]!.type;
  if (type === 'heading') {
    if (!isCount(node.depth) || node.depth < 1 || node.depth > 6) throw new Unwritable();
    out.byte(node.depth);
  } else if (type === 'list') {
    if (typeof node.ordered !== 'boolean' || (node.start !== null && !(isCount(node.start) && node.start < 0x7fffffff))) throw new Unwritable();
    out.byte((node.ordered ? 1 : 0) | (ternary(node.spread) << 1));
    out.varint(node.start === null ? 0 : (node.start as number) + 1);
  } else if (type === 'listItem') out.byte(ternary(node.spread) | (ternary(node.checked) << 2));
  else if (type === 'table') {
    if (!Array.isArray(node.align)) throw new Unwritable();
    out.varint(node.align.length);
    for (const align of node.align) {
      const index = alignments.indexOf(align);
      if (index === -1) throw new Unwritable();
      out.byte(index);
    }
  } else if (type === 'code') {
    writeNullable(out, node.lang);
    writeNullable(out, node.meta);
  } else if (type === 'link' || type === 'image') {
    writeNullable(out, node.title);
    writeString(out, node.url);
    if (type === 'image') writeNullable(out, node.alt);
  }
}

interface Point {
  line: number;
  column: number;
  offset: number;
}

function isPoint(value: unknown): value is Point {
  if (typeof value !== 'object' || value === null || Object.keys(value).join() !== 'line,column,offset') return false;
  const { line, column, offset } = value as Record<string, unknown>;
  return isCount(line) && isCount(column) && isCount(offset);
}

/** Whether a point's line and column are the ones its offset gives in the text. */
const derivable = (point: Point, starts: readonly number[], hint: number): boolean => {
  const line = lineAt(starts, point.offset, hint);
  return point.line === line + 1 && point.column === point.offset - starts[line]! + 1;
};

/** One node without its children: type and flags, offsets, lines and columns where they cannot be recomputed, fields, value. */
function writeNode(out: Writer, node: Nodes, text: string, starts: readonly number[], previous: number): number {
  const code = codeOf.get(node.type);
  if (code === undefined || Object.keys(node).join() !== keysOf[code]) throw new Unwritable();
  const position = node.position as unknown as Record<string, unknown>;
  if (typeof position !== 'object' || position === null || Object.keys(position).join() !== 'start,end') throw new Unwritable();
  const { start, end } = position;
  if (!isPoint(start) || !isPoint(end) || start.offset < previous || end.offset < start.offset || end.offset > text.length) throw new Unwritable();
  const value = (node as { value?: unknown }).value;
  // left out when it is the text between its offsets, and ASCII (see Decoder.slice)
  const written = value !== undefined && !(value === text.slice(start.offset, end.offset) && ascii.test(value));
  // where the point says it is: any line gives the same answer, the right one at once
  const hint = Math.max(0, Math.min(start.line - 1, starts.length - 1));
  const explicit = !derivable(start, starts, hint) || !derivable(end, starts, hint);
  out.byte(code | (kinds[code]!.parent ? hasChildren : 0) | (written ? valueWritten : 0) | (explicit ? pointsWritten : 0));
  out.varint(start.offset - previous);
  out.varint(end.offset - start.offset);
  if (explicit) for (const count of [start.line, start.column, end.line, end.column]) out.varint(count);
  writeFields(out, node as unknown as Record<string, unknown>, code);
  if (written) writeString(out, value);
  return start.offset;
}

/**
 * The bytes of `tree`, the tree of `text`; undefined when the tree holds what
 * an entry cannot give back exactly (a node type, field or key order the
 * parser does not make, a position outside the text, a depth past `maxDepth`).
 */
export function encodeTree(tree: Root, text: string): Uint8Array | undefined {
  const out = new Writer();
  const starts = lineStarts(text);
  const stack: Array<{ node: Nodes; depth: number }> = [{ node: tree, depth: 0 }];
  let previous = 0;
  try {
    while (stack.length > 0) {
      const { node, depth } = stack.pop()!;
      if (depth > maxDepth || (node.type === 'root') !== (depth === 0)) return undefined;
      previous = writeNode(out, node, text, starts, previous);
      if (!('children' in node)) continue;
      if (!Array.isArray(node.children)) return undefined;
      out.varint(node.children.length);
      for (let i = node.children.length - 1; i >= 0; i--) stack.push({ node: node.children[i] as Nodes, depth: depth + 1 });
    }
  } catch (error) {
    if (error instanceof Unwritable) return undefined;
    throw error;
  }
  return out.bytes.subarray(0, out.length);
}

// ---------------------------------------------------------------- decoding

/** Thrown inside the decoder for bytes this encoder would not have written. */
class Refused extends Error {}

interface Position {
  start: Point;
  end: Point;
}

/** Where the decoder is: in the bytes, and in the text (the last node's start offset, and its line). */
class Decoder {
  at = 0;
  previous = 0;
  line = 0;
  readonly end: number;
  readonly starts: number[];
  private view: string | undefined;

  constructor(
    readonly bytes: Buffer,
    readonly text: string,
  ) {
    this.end = bytes.length;
    this.starts = lineStarts(text);
  }

  byte(): number {
    if (this.at >= this.end) throw new Refused();
    return this.bytes[this.at++]!;
  }

  /** A varint of at most five bytes, below 2^31 (the common one of one byte first). */
  varint(): number {
    if (this.at < this.end && this.bytes[this.at]! < 0x80) return this.bytes[this.at++]!;
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const byte = this.byte();
      if (shift === 28 && byte > 7) throw new Refused();
      value |= (byte & 0x7f) << shift;
      if (byte < 0x80) return value;
    }
    throw new Refused();
  }

  /** A count no larger than `most`. */
  upTo(most: number): number {
    const value = this.varint();
    if (value > most) throw new Refused();
    return value;
  }

  string(length: number): string {
    if (length > this.end - this.at) throw new Refused();
    const start = this.at;
    this.at += length;
    return this.bytes.toString('utf8', start, this.at);
  }

  nullable(): string | null {
    const length = this.varint();
    return length === 0 ? null : this.string(length - 1);
  }

  /**
   * The text between two offsets, from a one-byte copy of the text: the
   * encoder leaves out only values that are ASCII and the text's own, which
   * the copy holds as they are. A slice of the text itself would be a
   * two-byte string wherever the text holds one character past Latin-1 (an
   * emoji in one cell), and everything made of it downstream two-byte and
   * slower; a value read this way is a one-byte string, as JSON.parse made it.
   */
  slice(from: number, to: number): string {
    this.view ??= Buffer.from(this.text, 'latin1').toString('latin1');
    return this.view.slice(from, to);
  }

  /** A written line and column, inside the text. */
  private point(offset: number): Point {
    const line = this.upTo(this.starts.length);
    const column = this.upTo(this.text.length + 1);
    if (line === 0 || column === 0) throw new Refused();
    return { line, column, offset };
  }

  /** The position of the next node, from its offsets (and its lines and columns when written). */
  position(written: boolean): Position {
    const from = this.previous + this.varint();
    const to = from + this.varint();
    if (to > this.text.length) throw new Refused();
    this.previous = from;
    if (written) return { start: this.point(from), end: this.point(to) };
    const { starts } = this;
    const line = lineAt(starts, from, this.line);
    const last = lineAt(starts, to, line);
    this.line = line;
    return { start: { line: line + 1, column: from - starts[line]! + 1, offset: from }, end: { line: last + 1, column: to - starts[last]! + 1, offset: to } };
  }
}

/** How the decoder makes a node of one type: its fields and value from the bytes after its position; its children come after. */
type NodeReader = (decoder: Decoder, position: Position, written: boolean) => Nodes;

/** A ternary field (null, false, true) from two bits. */
function ternaryOf(bits: number): boolean | null {
  if (bits === 3) throw new Refused();
  return bits === 0 ? null : bits === 2;
}

/** A node's value: written out, or the text between its offsets. */
function nodeValue(decoder: Decoder, written: boolean, position: Position): string {
  return written ? decoder.string(decoder.varint()) : decoder.slice(position.start.offset, position.end.offset);
}

function depthOf(decoder: Decoder): 1 | 2 | 3 | 4 | 5 | 6 {
  const depth = decoder.byte();
  if (depth < 1 || depth > 6) throw new Refused();
  return depth as 1;
}

function alignOf(decoder: Decoder): Array<(typeof alignments)[number]> {
  const align: Array<(typeof alignments)[number]> = [];
  for (let count = decoder.varint(); count > 0; count--) {
    const index = decoder.byte();
    if (index >= alignments.length) throw new Refused();
    align.push(alignments[index]!);
  }
  return align;
}

function readList(decoder: Decoder, position: Position): Nodes {
  const flags = decoder.byte();
  const start = decoder.varint();
  if (flags > 7) throw new Refused();
  return { type: 'list', ordered: (flags & 1) === 1, start: start === 0 ? null : start - 1, spread: ternaryOf(flags >> 1), children: [], position };
}

function readListItem(decoder: Decoder, position: Position): Nodes {
  const flags = decoder.byte();
  if (flags > 15) throw new Refused();
  return { type: 'listItem', spread: ternaryOf(flags & 3), checked: ternaryOf(flags >> 2), children: [], position };
}

function readCode(decoder: Decoder, position: Position, written: boolean): Nodes {
  const lang = decoder.nullable();
  const meta = decoder.nullable();
  return { type: 'code', lang, meta, value: nodeValue(decoder, written, position), position };
}

function readLink(decoder: Decoder, position: Position): Nodes {
  const title = decoder.nullable();
  const url = decoder.string(decoder.varint());
  return { type: 'link', title, url, children: [], position };
}

function readImage(decoder: Decoder, position: Position): Nodes {
  const title = decoder.nullable();
  const url = decoder.string(decoder.varint());
  const alt = decoder.nullable();
  return { type: 'image', title, url, alt, position };
}

const valued = kinds.map((kind) => kind.fields.includes('value'));

/** One node, its children still to come (an empty array when it has them). */
function readNode(decoder: Decoder): Nodes {
  const head = decoder.byte();
  const code = head & typeBits;
  const kind = kinds[code];
  if (kind === undefined || ((head & hasChildren) !== 0) !== kind.parent || ((head & valueWritten) !== 0 && !valued[code])) throw new Refused();
  return kind.read(decoder, decoder.position((head & pointsWritten) !== 0), (head & valueWritten) !== 0);
}

/**
 * The tree `encodeTree` wrote for `text`, from its bytes; undefined for bytes
 * it would not have written (a type, flag, field, offset, line or column out
 * of range, a node with children its type cannot have, a tree deeper than
 * `maxDepth`, bytes missing or left over).
 */
export function decodeTree(bytes: Buffer, text: string): Root | undefined {
  const decoder = new Decoder(bytes, text);
  try {
    const root = readNode(decoder);
    if (root.type !== 'root') return undefined;
    // the children of the open parents, innermost last: each parent gets an array of just its children when it closes (push would leave
    // each with room for 16, 2 MB more of a 2,000-service registry's trees than JSON.parse made)
    const pending: Nodes[] = [];
    let top = 0;
    const stack: Array<{ node: Parent; from: number; remaining: number }> = [{ node: root, from: 0, remaining: decoder.varint() }];
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]!;
      if (frame.remaining === 0) {
        frame.node.children = pending.slice(frame.from, top) as Parent['children'];
        top = frame.from;
        stack.pop();
        continue;
      }
      frame.remaining--;
      if (stack.length > maxDepth) return undefined;
      const node = readNode(decoder);
      if (node.type === 'root') return undefined;
      pending[top++] = node;
      if ('children' in node) stack.push({ node, from: top, remaining: decoder.varint() });
    }
    return decoder.at === decoder.end ? root : undefined;
  } catch (error) {
    if (error instanceof Refused) return undefined;
    throw error;
  }
}
