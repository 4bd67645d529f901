/**
 * Stage 1, read: bytes → clean text → mdast.
 *
 * Decodes UTF-8 strictly, drops a BOM, repairs text that was once decoded as
 * Windows-1252 (or its Turkish sibling, Windows-1254) and saved again as UTF-8
 * (`âœ…` for `✅`), and parses with remark-parse + remark-gfm. Positions that
 * later stages report are mapped back to the file as it is on disk.
 *
 * decode.ts turns bytes into text (and reports what it had to refuse or
 * repair); bounds.ts refuses a document nested deeper than a registry ever
 * is, before the parser sees it; parse.ts turns text into mdast.
 */
import type { Root } from 'mdast';
import { VFile } from 'vfile';
import type { Point } from '../registry/types.js';
import { withinBounds } from './bounds.js';
import { type ParseCache, parseCached } from './cache.js';
import { decodeText } from './decode.js';
import { parse } from './parse.js';

export { cacheDirectory, ParseCache } from './cache.js';
export { repairMojibake } from './decode.js';
export { parse, processor } from './parse.js';

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

/** Decode and parse a document. `displayPath` is the path diagnostics show; with `cache`, parts parsed before are read back from it (the same tree). */
export function read(bytes: Uint8Array, displayPath: string, cache?: ParseCache): Source {
  const file = new VFile({ path: displayPath });
  const { withoutBom, repaired, repairs, toOriginal } = decodeText(bytes, file);
  const text = repaired.replace(/\r\n?/g, '\n');
  file.value = text;
  // a document nested past what any registry needs is reported, never parsed (it reads as empty)
  const tree: Root = withinBounds(text, file) ? (cache ? parseCached(text, cache) : parse(text)) : { type: 'root', children: [] };
  return { file, text, repaired, original: withoutBom, mojibake: repairs.length > 0, toOriginal, tree };
}

/** The diagnostics of reading `bytes` as text (encoding, mojibake) without parsing them: what `read` would report first. */
export function readingMessages(bytes: Uint8Array, displayPath: string): VFile['messages'] {
  const file = new VFile({ path: displayPath });
  decodeText(bytes, file);
  return file.messages;
}
