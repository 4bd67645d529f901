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
 * the rest) and the part's mdast in the compact form of tree-codec.ts (offsets
 * only where the text gives lines and columns, values only where the text does
 * not hold them as they are). What is read is untrusted: an entry whose header,
 * checksum or bytes are not exactly what this build writes is ignored, and the
 * part is parsed; the decoder checks every field against the part's text. Writes go through a temporary file and
 * a rename; no failure to read or write the cache (a read-only directory, a
 * full disk) is ever reported or changes what a command does. The directory
 * is held to `maxBytes` and `maxEntries`: past either, the entries used least
 * recently are removed.
 */
import { lstatSync, mkdirSync, readdirSync, renameSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Root } from 'mdast';
import { sha256Hex } from '../support/hash.js';
import { version } from '../support/package.js';
import { readRegularFile } from '../support/regular-file.js';
import { blockStarts } from './blocks.js';
import { assemble, mayDefine, parse, parserConfiguration, partsOf, processor, rowsPerChunk, tableSlices } from './parse.js';
import { decodeTree, encodeTree, entryFormat } from './tree-codec.js';

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
  return `portbook ${version}; ${parserConfiguration}; ${entryFormat}; build ${build}`;
}

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
  /** What this run stored: entries and their bytes, for the ledger. */
  private readonly stored = { bytes: 0, entries: 0 };

  constructor(
    readonly directory: string,
    options: CacheOptions = {},
  ) {
    this.stamp = options.stamp ?? buildStamp();
    this.bound = { bytes: options.maxBytes ?? maxBytes, entries: options.maxEntries ?? maxEntries };
  }

  private fileOf(key: string): string {
    return path.join(this.directory, `${key}.mdast`);
  }

  /** The tree of `text`: from the cache when a sound entry is there, else parsed and stored. */
  tree(text: string): Root {
    const key = sha256Hex(`${this.stamp}\u0000${text}`);
    const cached = this.load(key, text);
    if (cached) {
      this.counts.hits++;
      return cached;
    }
    this.counts.misses++;
    const tree = processor().parse(text);
    const bytes = encodeTree(tree, text);
    if (bytes) this.store(key, bytes);
    return tree;
  }

  private load(key: string, text: string): Root | undefined {
    const file = this.fileOf(key);
    try {
      // a regular file, not through a link, of a size the cache would write: a FIFO or a device put there must not hang or flood the run
      const stored = readRegularFile(file, { limit: this.bound.bytes / 16 + 4096, noFollow: true });
      const newline = stored.indexOf(10);
      if (newline < 0) return undefined;
      const header = JSON.parse(stored.toString('utf8', 0, newline)) as unknown;
      const body = stored.subarray(newline + 1);
      if (!isHeader(header) || header.stamp !== this.stamp || header.key !== key || header.sha256 !== sha256Hex(body)) return undefined;
      const tree = decodeTree(body, text);
      if (!tree) return undefined;
      const now = new Date();
      utimesSync(file, now, now); // used: the last to be evicted
      return tree;
    } catch {
      return undefined;
    }
  }

  private store(key: string, body: Uint8Array): void {
    if (body.length > this.bound.bytes / 16) return;
    const header = Buffer.from(`${JSON.stringify({ stamp: this.stamp, key, sha256: sha256Hex(body) })}\n`);
    if (!this.writeWhole(this.fileOf(key), Buffer.concat([header, body]))) return;
    this.stored.bytes += header.length + body.length;
    this.stored.entries++;
  }

  /**
   * Write a file of the cache whole (a temporary and a rename), never through a
   * link (pruning removes files from this directory); whether it was written.
   * A cache that cannot be written only means the next run parses.
   */
  private writeWhole(file: string, data: string | Uint8Array): boolean {
    const temporary = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    try {
      mkdirSync(this.directory, { recursive: true });
      if (lstatSync(this.directory).isSymbolicLink()) return false;
      writeFileSync(temporary, data, { flag: 'wx' });
      renameSync(temporary, file);
      return true;
    } catch {
      try {
        unlinkSync(temporary);
      } catch {
        // never written
      }
      return false;
    }
  }

  /**
   * After a run that stored entries: keep the bound. The ledger (see
   * ledgerName) says how full the directory is without a look at every entry;
   * only when what it says and what this run stored pass the bound, or it is
   * missing, unreadable or a day old, is the directory counted: then the
   * entries used least recently go, down to three quarters of the bound, with
   * temporaries older than a minute, and the ledger is written afresh.
   */
  prune(): void {
    const { bytes, entries } = this.stored;
    if (entries === 0) return;
    this.stored.bytes = 0;
    this.stored.entries = 0;
    const ledger = this.readLedger();
    if (ledger && Date.now() - ledger.counted < recountEvery) {
      const usage = { bytes: ledger.bytes + bytes, entries: ledger.entries + entries, counted: ledger.counted };
      if (usage.bytes <= this.bound.bytes && usage.entries <= this.bound.entries) {
        this.writeLedger(usage);
        return;
      }
    }
    this.recount();
  }

  /** Count the directory, remove the least recently used entries past the bound, and write the ledger. */
  private recount(): void {
    const { bytes, entries } = this.bound;
    try {
      const now = Date.now();
      const found: Array<{ file: string; size: number; used: number }> = [];
      for (const name of readdirSync(this.directory)) {
        // only the cache's own names (and the JSON entries of earlier versions, which age out like any other; the ledger's temporaries): nothing else in the directory is ever removed
        const own = ownName.exec(name);
        if (!own) continue;
        const file = path.join(this.directory, name);
        const stat = lstatSync(file);
        if (!stat.isFile()) continue;
        if (own[2] !== undefined) {
          if (now - stat.mtimeMs > 60_000) unlinkSync(file);
        } else if (own[1] === undefined) found.push({ file, size: stat.size, used: stat.mtimeMs });
      }
      let total = found.reduce((sum, entry) => sum + entry.size, 0);
      let count = found.length;
      if (total > bytes || count > entries) {
        found.sort((a, b) => a.used - b.used);
        for (const entry of found) {
          if (total <= (bytes * 3) / 4 && count <= (entries * 3) / 4) break;
          unlinkSync(entry.file);
          total -= entry.size;
          count--;
        }
      }
      this.writeLedger({ bytes: total, entries: count, counted: now });
    } catch {
      // another run pruned it too, or it cannot be written: the bound is kept next time
    }
  }

  /** The ledger, when it is there and reads as one. */
  private readLedger(): Usage | undefined {
    try {
      const text = readRegularFile(path.join(this.directory, ledgerName), { limit: 256, noFollow: true }).toString('latin1');
      const match = /^(\d{1,15}) (\d{1,15}) (\d{1,15})\n$/.exec(text);
      return match ? { bytes: Number(match[1]), entries: Number(match[2]), counted: Number(match[3]) } : undefined;
    } catch {
      return undefined;
    }
  }

  /** Write the ledger (see writeWhole). */
  private writeLedger({ bytes, entries, counted }: Usage): void {
    this.writeWhole(path.join(this.directory, ledgerName), `${bytes} ${entries} ${counted}\n`);
  }
}

/**
 * The cache's record of how full it is, `bytes entries counted-at-ms`: the
 * last count of the directory plus what runs stored since. Runs racing each
 * other may each miss what the other added, and entries removed by hand are
 * still counted; the daily recount settles both. Not an entry's name, so
 * never pruned as one.
 */
const ledgerName = 'usage';
/** The names the cache may remove: an entry (this format's or an earlier JSON one), the ledger (group 1), and their temporaries (group 2). */
const ownName = new RegExp(`^(?:[0-9a-f]{64}\\.(?:mdast|json)|(${ledgerName}))(\\.\\d+\\.[0-9a-z]+\\.tmp)?$`);
/** A full count at least this often (ms), whatever the ledger says. */
const recountEvery = 24 * 60 * 60 * 1000;

interface Usage {
  bytes: number;
  entries: number;
  /** When the directory was last counted (ms since the epoch). */
  counted: number;
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
