/**
 * The parse cache: the trees of a document's parts kept on disk between runs,
 * so that after an edit of one row only the part that holds it is parsed again.
 *
 * The document is cut at the starts of its top-level blocks (blocks.ts) and
 * every 50 rows of a long table (parse.ts), small blocks kept together; each
 * part is keyed by the SHA-256 of its text, its table prefix and the stamp
 * (portbook's version, the parser's configuration, the build). A part found in
 * the cache is read back and moved to where it sits now; the others are
 * parsed and stored.
 *
 * What is stored is data, never code: a header line (stamp, key, SHA-256 of
 * the rest) and the part's mdast as JSON. What is read is untrusted: an entry
 * whose header, checksum or tree shape is not exactly what this build writes
 * is ignored, and the part is parsed. Writes go through a temporary file and
 * a rename; no failure to read or write the cache (a read-only directory, a
 * full disk) is ever reported or changes what a command does. The directory
 * is held to `maxBytes` and `maxEntries`: past either, the entries used least
 * recently are removed.
 */
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, renameSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Root } from 'mdast';
import { version } from '../support/package.js';
import { readRegularFile } from '../support/regular-file.js';
import { blockStarts } from './blocks.js';
import { assemble, mayDefine, parse, parserConfiguration, partsOf, processor, rowsPerChunk, tableSlices } from './parse.js';

/** The cache's bound: past either figure, the entries used least recently go, down to three quarters of it. */
export const maxBytes = 128 * 1024 * 1024;
export const maxEntries = 16_384;
/** Blocks are kept together until a part has this many characters: fewer, larger files. */
const leastPart = 4096;

/** Where the project's parse cache lives: node_modules/.cache/portbook when the project has node_modules, else the user's cache directory. */
export function cacheDirectory(root: string, env: NodeJS.ProcessEnv = process.env): string {
  const modules = path.join(root, 'node_modules');
  try {
    if (statSync(modules).isDirectory()) return path.join(modules, '.cache', 'portbook', 'parse');
  } catch {
    // no node_modules: the user's cache
  }
  const xdg = env.XDG_CACHE_HOME;
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.cache');
  return path.join(base, 'portbook', 'parse');
}

/** What tells this build's entries from any other's: the version, the parser's configuration, and the build of the module that parses. */
function buildStamp(): string {
  let build = '';
  try {
    const module = statSync(fileURLToPath(import.meta.url));
    build = `${module.size}:${Math.trunc(module.mtimeMs)}`;
  } catch {
    // no file to stat (the version and configuration still count)
  }
  return `portbook ${version}; ${parserConfiguration}; build ${build}`;
}

const sha256 = (data: string): string => createHash('sha256').update(data).digest('hex');

export interface CacheOptions {
  /** What entries must carry to be used (default: this build's). */
  stamp?: string;
  /** The bound (default `maxBytes` and `maxEntries`). */
  maxBytes?: number;
  maxEntries?: number;
}

export class ParseCache {
  readonly stamp: string;
  /** Parts read from the cache and parts parsed, in this process. */
  readonly counts = { hits: 0, misses: 0 };
  private readonly bound: { bytes: number; entries: number };
  private wrote = false;

  constructor(
    readonly directory: string,
    options: CacheOptions = {},
  ) {
    this.stamp = options.stamp ?? buildStamp();
    this.bound = { bytes: options.maxBytes ?? maxBytes, entries: options.maxEntries ?? maxEntries };
  }

  private fileOf(key: string): string {
    return path.join(this.directory, `${key}.json`);
  }

  /** The tree of `text`: from the cache when a sound entry is there, else parsed and stored. */
  tree(text: string): Root {
    const key = sha256(`${this.stamp}\u0000${text}`);
    const cached = this.load(key, text);
    if (cached) {
      this.counts.hits++;
      return cached;
    }
    this.counts.misses++;
    const tree = processor().parse(text);
    this.store(key, JSON.stringify(tree));
    return tree;
  }

  private load(key: string, text: string): Root | undefined {
    const file = this.fileOf(key);
    try {
      // a regular file, not through a link, of a size the cache would write: a FIFO or a device put there must not hang or flood the run
      const stored = readRegularFile(file, { limit: this.bound.bytes / 16 + 4096, noFollow: true }).toString('utf8');
      const newline = stored.indexOf('\n');
      const header = JSON.parse(stored.slice(0, newline)) as unknown;
      const json = stored.slice(newline + 1);
      if (newline < 0 || !isHeader(header) || header.stamp !== this.stamp || header.key !== key || header.sha256 !== sha256(json)) return undefined;
      const tree = JSON.parse(json) as unknown;
      if (!isTree(tree, text)) return undefined;
      const now = new Date();
      utimesSync(file, now, now); // used: the last to be evicted
      return tree;
    } catch {
      return undefined;
    }
  }

  private store(key: string, json: string): void {
    if (json.length > this.bound.bytes / 16) return;
    const file = this.fileOf(key);
    const temporary = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    try {
      mkdirSync(this.directory, { recursive: true });
      // never through a link: pruning removes files from this directory
      if (lstatSync(this.directory).isSymbolicLink()) return;
      writeFileSync(temporary, `${JSON.stringify({ stamp: this.stamp, key, sha256: sha256(json) })}\n${json}`, { flag: 'wx' });
      renameSync(temporary, file);
      this.wrote = true;
    } catch {
      try {
        unlinkSync(temporary);
      } catch {
        // never written
      }
    }
  }

  /** After a run that stored entries: remove the least recently used ones past the bound (and temporaries older than a minute). */
  prune(): void {
    if (!this.wrote) return;
    const { bytes, entries } = this.bound;
    this.wrote = false;
    try {
      const now = Date.now();
      const found: Array<{ file: string; size: number; used: number }> = [];
      for (const name of readdirSync(this.directory)) {
        // only the cache's own names: nothing else in the directory is ever removed
        const own = /^[0-9a-f]{64}\.json(\.\d+\.[0-9a-z]+\.tmp)?$/.exec(name);
        if (!own) continue;
        const file = path.join(this.directory, name);
        const stat = lstatSync(file);
        if (!stat.isFile()) continue;
        if (own[1] !== undefined) {
          if (now - stat.mtimeMs > 60_000) unlinkSync(file);
        } else found.push({ file, size: stat.size, used: stat.mtimeMs });
      }
      let total = found.reduce((sum, entry) => sum + entry.size, 0);
      if (total <= bytes && found.length <= entries) return;
      found.sort((a, b) => a.used - b.used);
      let count = found.length;
      for (const entry of found) {
        if (total <= (bytes * 3) / 4 && count <= (entries * 3) / 4) break;
        unlinkSync(entry.file);
        total -= entry.size;
        count--;
      }
    } catch {
      // another run pruned it too, or it cannot be written: the bound is kept next time
    }
  }
}

interface Header {
  stamp: string;
  key: string;
  sha256: string;
}

function isHeader(value: unknown): value is Header {
  if (typeof value !== 'object' || value === null) return false;
  const { stamp, key, sha256: sum } = value as Record<string, unknown>;
  return typeof stamp === 'string' && typeof key === 'string' && typeof sum === 'string';
}

/**
 * Parse `text` as `parse` does, reusing the trees of the parts the cache
 * holds. The same tree as `parse(text)`, positions included. Tables are cut
 * every `chunk` rows, blocks kept together up to `least` characters.
 */
export function parseCached(text: string, cache: ParseCache, chunk = rowsPerChunk, least = leastPart): Root {
  if (mayDefine(text)) return parse(text, chunk);
  const lines = text.split('\n');
  const parts = partsOf(lines, blockStarts(lines), tableSlices(lines, chunk), least);
  const tree = assemble(text, lines, parts, (partText) => cache.tree(partText)) ?? parse(text, chunk);
  cache.prune();
  return tree;
}

const nodeTypes = new Set([
  'root',
  'paragraph',
  'heading',
  'thematicBreak',
  'blockquote',
  'list',
  'listItem',
  'table',
  'tableRow',
  'tableCell',
  'html',
  'code',
  'definition',
  'footnoteDefinition',
  'text',
  'emphasis',
  'strong',
  'delete',
  'inlineCode',
  'break',
  'link',
  'image',
  'linkReference',
  'imageReference',
  'footnoteReference',
]);
/** The fields mdast nodes carry besides type, children and position, and what each may hold. */
const fieldKinds: Readonly<Record<string, ReadonlyArray<string>>> = {
  value: ['string'],
  url: ['string'],
  title: ['string', 'null'],
  alt: ['string', 'null'],
  lang: ['string', 'null'],
  meta: ['string', 'null'],
  label: ['string', 'null'],
  identifier: ['string'],
  referenceType: ['string'],
  depth: ['number'],
  start: ['number', 'null'],
  ordered: ['boolean'],
  spread: ['boolean', 'null'],
  checked: ['boolean', 'null'],
};

const kindOf = (value: unknown): string => (value === null ? 'null' : typeof value);

const whole = (n: unknown, least: number, most: number): boolean => Number.isSafeInteger(n) && (n as number) >= least && (n as number) <= most;

/** How many keys `value` has, all its own; -1 when one is inherited (refused: JSON gives none). */
function ownKeyCount(value: object): number {
  let count = 0;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) return -1;
    count++;
  }
  return count;
}

function isPoint(value: unknown, lines: number, length: number): boolean {
  if (typeof value !== 'object' || value === null || ownKeyCount(value) !== 3) return false;
  const point = value as Record<string, unknown>;
  return whole(point.line, 1, lines) && whole(point.column, 1, length + 1) && whole(point.offset, 0, length);
}

function isPosition(value: unknown, lines: number, length: number): boolean {
  if (typeof value !== 'object' || value === null || ownKeyCount(value) !== 2) return false;
  const { start, end } = value as Record<string, { offset: number }>;
  return isPoint(start, lines, length) && isPoint(end, lines, length) && start!.offset <= end!.offset;
}

/** Whether a node's field other than its type, position and children holds what mdast puts there. */
function isField(key: string, field: unknown): boolean {
  if (key === 'align') return Array.isArray(field) && field.every((entry) => entry === null || typeof entry === 'string');
  return Object.hasOwn(fieldKinds, key) && fieldKinds[key]!.includes(kindOf(field));
}

/**
 * Whether `value` has the shape of an mdast tree of `text`: known node types and fields, positions inside the text. Anything else is refused.
 * One pass over the nodes, with no array made per node: it runs over every cached tree a run reads.
 */
export function isTree(value: unknown, text: string): value is Root {
  let lines = 1;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lines++;
  if (typeof value !== 'object' || value === null || (value as { type?: unknown }).type !== 'root') return false;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return false;
    for (const key in node) {
      if (!Object.hasOwn(node, key)) return false;
      const field = (node as Record<string, unknown>)[key];
      if (key === 'type') {
        if (typeof field !== 'string' || !nodeTypes.has(field)) return false;
      } else if (key === 'position') {
        if (!isPosition(field, lines, text.length)) return false;
      } else if (key === 'children') {
        if (!Array.isArray(field)) return false;
        for (let i = 0; i < field.length; i++) stack.push(field[i]);
      } else if (!isField(key, field)) return false;
    }
  }
  return true;
}
