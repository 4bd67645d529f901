/**
 * Stage 1, read: bytes → clean text → mdast.
 *
 * Decodes UTF-8 strictly, drops a BOM, repairs text that was once decoded as
 * Windows-1252 (or its Turkish sibling, Windows-1254) and saved again as UTF-8
 * (`âœ…` for `✅`), and parses with remark-parse + remark-gfm. Positions that
 * later stages report are mapped back to the file as it is on disk.
 */
import type { Nodes, Root } from 'mdast';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import { unified, type Data, type Processor } from 'unified';
import { VFile } from 'vfile';
import { code, report } from '../diagnostics/report.js';
import type { Point } from '../registry/types.js';

/** A source document ready for extract. */
export interface Source {
  /** Carries the diagnostics; `file.path` is the path shown in them. */
  file: VFile;
  /** The text as parsed: UTF-8, no BOM, mojibake repaired, LF line endings. */
  text: string;
  /** The repaired text with its original line endings, for `fix-encoding`. */
  repaired: string;
  /** The text as on disk (no BOM): what positions, after `toOriginal`, point into. */
  original: string;
  /** Whether any mojibake was repaired. */
  mojibake: boolean;
  /** Map a point in `text` back to the file on disk. */
  toOriginal(point: Point): Point;
  tree: Root;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Windows-1252's 0x80–0x9F; the five holes decode to the C1 controls, as Windows does. */
const cp1252High = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152,
  0x8d, 0x17d, 0x8f, 0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122,
  0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
];

/** Character → the byte it stood for when UTF-8 was misread as Windows-1252/1254. */
const misreadByte: ReadonlyMap<string, number> = (() => {
  const map = new Map<string, number>();
  cp1252High.forEach((code, index) => map.set(String.fromCodePoint(code), 0x80 + index));
  for (let byte = 0xa0; byte <= 0xff; byte++) map.set(String.fromCodePoint(byte), byte);
  // Windows-1254 differs from 1252 in six letters; `ğŸ“‹` is 📋 misread that way.
  const turkish: Array<[number, number]> = [
    [0x11e, 0xd0], [0x130, 0xdd], [0x15e, 0xde], [0x11f, 0xf0], [0x131, 0xfd], [0x15f, 0xfe],
  ];
  for (const [code, byte] of turkish) map.set(String.fromCodePoint(code), byte);
  return map;
})();

function sequenceLength(lead: number): number {
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/** One repaired stretch: at `offset` in the repaired text, `original` became `repaired`. */
interface Repair {
  line: number;
  /** 1-based column in the repaired text where the repaired character starts. */
  column: number;
  original: string;
  repaired: string;
}

/** A character that can stand for a UTF-8 lead byte 0xC2–0xF4 once misread. */
const possibleLead = /[\u00c2-\u00f4\u011e\u011f\u0130\u015e]/;

interface Candidate {
  index: number;
  length: number;
  decoded: string;
  /** A 3- or 4-byte sequence, or Â/Ã + one more: the shapes real mojibake takes, never real text. */
  strong: boolean;
}

/** Sequences of characters that spell valid multi-byte UTF-8 when mapped back through Windows-1252/1254. */
function candidates(chars: string[]): Candidate[] {
  const found: Candidate[] = [];
  for (let i = 0; i < chars.length; i++) {
    const lead = misreadByte.get(chars[i]!);
    const length = lead === undefined ? 0 : sequenceLength(lead);
    if (length === 0 || i + length > chars.length) continue;
    const bytes = [lead!];
    for (let k = 1; k < length; k++) {
      const byte = misreadByte.get(chars[i + k]!);
      if (byte === undefined || byte < 0x80 || byte > 0xbf) break;
      bytes.push(byte);
    }
    if (bytes.length !== length) continue;
    let decoded: string;
    try {
      decoded = utf8.decode(Uint8Array.from(bytes));
    } catch {
      continue;
    }
    const code = decoded.codePointAt(0)!;
    if (code >= 0x80 && code <= 0x9f) continue; // C1 controls are never what was meant
    found.push({ index: i, length, decoded, strong: length >= 3 || lead === 0xc2 || lead === 0xc3 });
    i += length - 1;
  }
  return found;
}

/**
 * Replace characters that spell UTF-8 read as Windows-1252/1254 by what they
 * meant. To leave real text alone (`„Fuß“`, `CAFÉ’s`), a two-character
 * sequence from outside Latin-1 is repaired only in a file that also has the
 * unmistakable shapes (`âœ…`, `Ã©`), and only into Latin, Greek or Cyrillic.
 */
export function repairMojibake(text: string): { text: string; repairs: Repair[] } {
  if (!possibleLead.test(text)) return { text, repairs: [] };
  const chars = Array.from(text);
  const found = candidates(chars);
  const trusted = found.some((candidate) => candidate.strong);
  const accepted = new Map<number, Candidate>();
  for (const candidate of found) {
    const code = candidate.decoded.codePointAt(0)!;
    if (candidate.strong || (trusted && code >= 0x100 && code <= 0x4ff)) accepted.set(candidate.index, candidate);
  }
  if (accepted.size === 0) return { text, repairs: [] };
  const repairs: Repair[] = [];
  let out = '';
  let line = 1;
  let column = 1;
  for (let i = 0; i < chars.length; i++) {
    const repair = accepted.get(i);
    if (repair) {
      repairs.push({ line, column, original: chars.slice(i, i + repair.length).join(''), repaired: repair.decoded });
      out += repair.decoded;
      column += repair.decoded.length;
      i += repair.length - 1;
      continue;
    }
    const char = chars[i]!;
    out += char;
    // a line ends at LF, CRLF (counted at its LF) or a lone CR, as the parser counts them
    if (char === '\n' || (char === '\r' && chars[i + 1] !== '\n')) {
      line++;
      column = 1;
    } else {
      column += char.length;
    }
  }
  return { text: out, repairs };
}

/** Where byte `offset` stands, as line and column of the text before it. */
function pointAtByte(bytes: Uint8Array, offset: number): Point {
  const lines = new TextDecoder().decode(bytes.subarray(0, offset)).split('\n');
  return { line: lines.length, column: (lines.at(-1) ?? '').length + 1 };
}

/** Strict UTF-8; binary data and invalid bytes are reported on `file` and read as an empty document. */
function decode(bytes: Uint8Array, file: VFile): string {
  let text: string | undefined;
  try {
    text = utf8.decode(bytes);
  } catch {
    text = undefined;
  }
  // a NUL near the start means binary data (a PNG, a zip…), whatever bytes came before it
  const nul = bytes.subarray(0, 8192).indexOf(0);
  const invalid = text === undefined ? firstInvalidUtf8(bytes) : -1;
  if (nul !== -1) {
    report(file, 'error', 'Unexpected NUL byte, expected Markdown text: this looks like a binary file; point --source at your PORTS.md', pointAtByte(bytes, nul), 'encoding-invalid');
    return '';
  }
  if (invalid !== -1) {
    report(
      file,
      'error',
      `Unexpected byte 0x${bytes[invalid]!.toString(16).padStart(2, '0')}, expected UTF-8 text: save the file as UTF-8 (for Windows-1252 text: \`iconv -f WINDOWS-1252 -t UTF-8\`)`,
      pointAtByte(bytes, invalid),
      'encoding-invalid',
    );
    return '';
  }
  return text ?? '';
}

/** Decode and parse a document. `displayPath` is the path diagnostics show. */
export function read(bytes: Uint8Array, displayPath: string): Source {
  const file = new VFile({ path: displayPath });
  const { withoutBom, repaired, repairs, toOriginal } = decodeText(bytes, file);
  const text = repaired.replace(/\r\n?/g, '\n');
  file.value = text;
  const tree = parse(text);
  return { file, text, repaired, original: withoutBom, mojibake: repairs.length > 0, toOriginal, tree };
}

/** The diagnostics of reading `bytes` as text (encoding, mojibake) without parsing them: what `read` would report first. */
export function readingMessages(bytes: Uint8Array, displayPath: string): VFile['messages'] {
  const file = new VFile({ path: displayPath });
  decodeText(bytes, file);
  return file.messages;
}

/** Strict UTF-8 without the BOM, with double-encoded text repaired; reports on `file`. */
function decodeText(bytes: Uint8Array, file: VFile): { withoutBom: string; repaired: string; repairs: Repair[]; toOriginal: (point: Point) => Point } {
  const decoded = decode(bytes, file);
  const withoutBom = decoded.startsWith('\uFEFF') ? decoded.slice(1) : decoded;
  const { text: repaired, repairs } = repairMojibake(withoutBom);
  const toOriginal = originalPointMapper(repairs);
  const first = repairs[0];
  if (first) {
    report(
      file,
      'warning',
      `Unexpected ${code(first.original)}, expected ${code(first.repaired)}: this file is UTF-8 that was once decoded as Windows-1252 and saved again (${repairs.length} place${repairs.length === 1 ? '' : 's'}). portbook reads it as meant; repair the file with \`portbook fix-encoding\` (and gen's --source, if you pass one)`,
      toOriginal({ line: first.line, column: first.column }),
      'encoding-mojibake',
    );
  }
  return { withoutBom, repaired, repairs, toOriginal };
}

/**
 * Rows of one table parsed at a time. micromark's time and memory per row grow
 * with the length of the table it is in (its events are spliced and resolved
 * as a whole); on a 2,000-row table, slices of 50 rows parse in two thirds of
 * the time slices of 250 take (`node --cpu-prof`, see the README's Speed).
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
  const strip = (extension: Extension): Extension =>
    extension.enter && 'literalAutolink' in extension.enter ? { ...extension, transforms: [] } : extension;
  const data = this.data();
  data.fromMarkdownExtensions = (data.fromMarkdownExtensions ?? []).map((entry) => (Array.isArray(entry) ? entry.map(strip) : strip(entry)));
}

/** The parser: remark-parse with remark-gfm (tables, strikethrough), as portbook configures it. */
export function processor(): Processor<Root> {
  return unified().use(remarkParse).use(remarkGfm).use(withoutLiteralAutolinkTransform) as unknown as Processor<Root>;
}

const delimiterRow = /^ {0,3}\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;

/**
 * Parse with remark-parse + remark-gfm. A very long table is parsed in slices
 * of `chunk` rows, each given the table's header and delimiter rows, and the
 * slices' rows are joined back into one table with their true positions: the
 * same tree, without micromark holding the events of the whole table at once.
 */
export function parse(text: string, chunk = rowsPerChunk): Root {
  const parser = processor();
  // link reference definitions would not reach the other slices: parse such documents whole
  if (text.length < 64 * 1024 || /^ {0,3}\[[^\]]+\]:/m.test(text)) return parser.parse(text);
  const lines = text.split('\n');
  const starts: number[] = []; // line indexes where a slice (after the first) begins
  const headers = new Map<number, [string, string]>();
  let fence: string | undefined; // the marker of the fenced code block the scan is in
  for (let i = 0; i + 1 < lines.length; i++) {
    const line = lines[i]!;
    const marker = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (marker && (fence === undefined || (marker[0] === fence[0] && marker.length >= fence.length && /^ {0,3}[`~]+\s*$/.test(line)))) {
      fence = fence === undefined ? marker : undefined;
      continue;
    }
    if (fence !== undefined) continue;
    // only a table of the document itself: at the margin, after a blank line or a heading (not in a list, a quote or a paragraph)
    const after = i === 0 || /^\s*$/.test(lines[i - 1]!) || /^ {0,3}#/.test(lines[i - 1]!);
    if (!after || !line.startsWith('|') || !delimiterRow.test(lines[i + 1]!) || !lines[i + 1]!.includes('-')) continue;
    let end = i + 2;
    while (end < lines.length && /^ {0,3}\|/.test(lines[end]!)) end++;
    for (let split = i + 2 + chunk; split < end; split += chunk) {
      starts.push(split);
      headers.set(split, [lines[i]!, lines[i + 1]!]);
    }
    i = end - 1;
  }
  if (starts.length === 0) return parser.parse(text);
  const lineOffsets: number[] = [0];
  for (const line of lines) lineOffsets.push(lineOffsets.at(-1)! + line.length + 1);
  const bounds = [0, ...starts, lines.length];
  let root: Root | undefined;
  for (let k = 0; k + 1 < bounds.length; k++) {
    const from = bounds[k]!;
    const body = lines.slice(from, bounds[k + 1]).join('\n') + (bounds[k + 1] === lines.length ? '' : '\n');
    if (k === 0) {
      root = parser.parse(body);
      continue;
    }
    const [header, delimiter] = headers.get(from)!;
    const prefix = `${header}\n${delimiter}\n`;
    const slice = parser.parse(prefix + body);
    shift(slice, from - 2, lineOffsets[from]! - prefix.length);
    const [table, ...rest] = slice.children;
    const previous = root!.children.at(-1);
    // a slice that is not the continuation of a table (an HTML block or some construct the scan does not know): parse whole
    if (table?.type !== 'table' || previous?.type !== 'table') return parser.parse(text);
    previous.children.push(...table.children.slice(1));
    if (previous.position && table.position) previous.position.end = table.position.end;
    root!.children.push(...rest);
  }
  if (root!.position) root!.position.end = { line: lines.length, column: lines.at(-1)!.length + 1, offset: text.length };
  return root!;
}

/** Move every position in a tree by whole lines and characters. */
function shift(node: Nodes, lines: number, offset: number): void {
  if (node.position) {
    for (const point of [node.position.start, node.position.end]) {
      point.line += lines;
      if (point.offset !== undefined) point.offset += offset;
    }
  }
  if ('children' in node) for (const child of node.children) shift(child as Nodes, lines, offset);
}

/** Offset of the first byte that does not start a valid UTF-8 sequence, or -1. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; ) {
    const byte = bytes[i]!;
    const length = byte < 0x80 ? 1 : sequenceLength(byte);
    if (length === 0) return i;
    try {
      utf8.decode(bytes.subarray(i, i + length));
    } catch {
      return i;
    }
    i += length;
  }
  return -1;
}

function originalPointMapper(repairs: Repair[]): (point: Point) => Point {
  if (repairs.length === 0) return (point) => point;
  const byLine = new Map<number, Repair[]>();
  for (const repair of repairs) {
    const list = byLine.get(repair.line) ?? [];
    list.push(repair);
    byLine.set(repair.line, list);
  }
  return (point) => {
    let column = point.column;
    for (const repair of byLine.get(point.line) ?? []) {
      if (repair.column < point.column) column += repair.original.length - repair.repaired.length;
    }
    return { line: point.line, column };
  };
}
