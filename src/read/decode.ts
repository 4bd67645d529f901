/**
 * Bytes to text: strict UTF-8, the BOM dropped, mojibake repaired, and the
 * mapping of points in the repaired text back to the file on disk.
 */
import type { VFile } from 'vfile';
import { code, report } from '../diagnostics/report.js';
import type { Point } from '../registry/types.js';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Windows-1252's 0x80–0x9F; the five holes decode to the C1 controls, as Windows does. */
const cp1252High = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f, 0x90, 0x2018, 0x2019, 0x201c, 0x201d,
  0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
];

/** Character → the byte it stood for when UTF-8 was misread as Windows-1252/1254. */
const misreadByte: ReadonlyMap<string, number> = (() => {
  const map = new Map<string, number>();
  for (const [index, code] of cp1252High.entries()) map.set(String.fromCodePoint(code), 0x80 + index);
  for (let byte = 0xa0; byte <= 0xff; byte++) map.set(String.fromCodePoint(byte), byte);
  // Windows-1254 differs from 1252 in six letters; `ğŸ“‹` is 📋 misread that way.
  const turkish: Array<[number, number]> = [
    [0x11e, 0xd0],
    [0x130, 0xdd],
    [0x15e, 0xde],
    [0x11f, 0xf0],
    [0x131, 0xfd],
    [0x15f, 0xfe],
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
    report(
      file,
      'encoding-invalid',
      'Unexpected NUL byte, expected Markdown text: this looks like a binary file; point --source at your PORTS.md',
      pointAtByte(bytes, nul),
    );
    return '';
  }
  if (invalid !== -1) {
    report(
      file,
      'encoding-invalid',
      `Unexpected byte 0x${bytes[invalid]!.toString(16).padStart(2, '0')}, expected UTF-8 text: save the file as UTF-8 (for Windows-1252 text: \`iconv -f WINDOWS-1252 -t UTF-8\`)`,
      pointAtByte(bytes, invalid),
    );
    return '';
  }
  return text ?? '';
}

/** Strict UTF-8 without the BOM, with double-encoded text repaired; reports on `file`. */
export function decodeText(bytes: Uint8Array, file: VFile): { withoutBom: string; repaired: string; repairs: Repair[]; toOriginal: (point: Point) => Point } {
  const decoded = decode(bytes, file);
  const withoutBom = decoded.startsWith('\uFEFF') ? decoded.slice(1) : decoded;
  const { text: repaired, repairs } = repairMojibake(withoutBom);
  const toOriginal = originalPointMapper(repairs);
  const first = repairs[0];
  if (first) {
    report(
      file,
      'encoding-mojibake',
      `Unexpected ${code(first.original)}, expected ${code(first.repaired)}: this file is UTF-8 that was once decoded as Windows-1252 and saved again (${repairs.length} place${repairs.length === 1 ? '' : 's'}). ` +
        `portbook reads it as meant; repair the file with \`portbook fix-encoding\` (and gen's --source, if you pass one)`,
      toOriginal({ line: first.line, column: first.column }),
    );
  }
  return { withoutBom, repaired, repairs, toOriginal };
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
