/**
 * Load a CommonJS bundle through V8's code cache.
 *
 * A cold run spends about a fifth of its time compiling JavaScript: the
 * bundle's top level, then every function the first time it is called
 * (micromark's tokenizers, Handlebars' runtime). Node 22 can cache that
 * (`module.enableCompileCache`); Node 20, which portbook supports, cannot, so
 * the bundle is compiled here with `vm.Script` and the bytecode V8 produced is
 * kept beside the bundle for the next run.
 *
 * V8 checks that cached data fits its own version and flags, but it knows the
 * source only by its length: a rebuilt bundle of the same length would run the
 * old bytecode, and release builds check no checksum of the bytecode either: a
 * damaged file can crash the process. The cache file therefore starts with the
 * key of the source it was made from and the SHA-256 of the bytecode, and is
 * used only when both match. The key is the SHA-256 of the bundle, which the
 * build writes on its first line (`bundleKeyLine`), so no run hashes the
 * bundle; a bundle without that line (not built by scripts/bundle.mjs) is
 * hashed when loaded. A cache that cannot be written (a read-only install)
 * only means every run compiles.
 */
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';

const hashLength = 32;

const sha256 = (data: string | Uint8Array): Buffer => createHash('sha256').update(data).digest();

/** The first line of a bundle as the build writes it: the SHA-256 of everything after that line. */
export function bundleKeyLine(body: string): string {
  return `${keyPrefix}${sha256(body).toString('hex')}*/\n`;
}

const keyPrefix = '/*portbook-bundle sha256:';
const keyLineLength = keyPrefix.length + 2 * hashLength + '*/\n'.length;
const hexKey = /^[0-9a-f]{64}\*\/\n$/;

/** The key the cache of `source` is filed under: the one the build wrote, or (for a bundle without one) its hash. */
function keyOf(source: string): Buffer {
  if (source.startsWith(keyPrefix)) {
    const written = source.slice(keyPrefix.length, keyLineLength);
    if (hexKey.test(written)) return Buffer.from(written.slice(0, 2 * hashLength), 'hex');
  }
  return sha256(source);
}

export interface LoadedBundle<T> {
  /** What the bundle put in `module.exports`. */
  exports: T;
  /** Whether V8 accepted the cache (false when there was none, or it was stale). */
  cached: boolean;
  /** Write the cache when there was no usable one: call it after a run, so the functions that run are in it. */
  saveCache(): void;
}

/** Every bundle loaded in this process, for `saveCodeCaches`. */
const loaded: LoadedBundle<unknown>[] = [];

/** Where the cache of `file` lives: one per Node version and architecture, so switching Node versions does not thrash it. */
export function cacheFileOf(file: string): string {
  return `${file}.${process.version}-${process.arch}.cache`;
}

/** The bytecode cached for the source of `key`, when the cache was made from it and is whole. */
function readCache(cacheFile: string, key: Buffer): Buffer | undefined {
  try {
    const stored = readFileSync(cacheFile);
    const data = stored.subarray(2 * hashLength);
    // V8 checks no checksum of the bytecode itself in release builds: a damaged file must never reach it
    if (data.length > 0 && stored.subarray(0, hashLength).equals(key) && stored.subarray(hashLength, 2 * hashLength).equals(sha256(data))) return data;
  } catch {
    // no cache yet
  }
  return undefined;
}

/** Write `bytes()` to `file` whole or not at all: a temporary, flushed, renamed over it. */
function writeWhole(file: string, bytes: () => Buffer): void {
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    const data = bytes();
    const fd = openSync(temporary, 'w');
    try {
      for (let offset = 0; offset < data.length; ) offset += writeSync(fd, data, offset);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, file);
  } catch {
    try {
      unlinkSync(temporary);
    } catch {
      // never written
    }
  }
}

export function loadWithCodeCache<T>(file: string): LoadedBundle<T> {
  const source = readFileSync(file, 'utf8');
  const key = keyOf(source);
  const cacheFile = cacheFileOf(file);
  const cachedData = readCache(cacheFile, key);
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: file,
    ...(cachedData ? { cachedData } : {}),
  });
  const module = { exports: {} as T };
  const run = script.runInThisContext() as (exports: T, require: NodeJS.Require, module: { exports: T }, filename: string, dirname: string) => void;
  run(module.exports, createRequire(file), module, file, path.dirname(file));
  let cached = cachedData !== undefined && !script.cachedDataRejected;
  const bundle: LoadedBundle<T> = {
    exports: module.exports,
    cached,
    saveCache() {
      if (cached) return;
      cached = true; // once per process
      writeWhole(cacheFile, () => {
        const data = script.createCachedData();
        return Buffer.concat([key, sha256(data), data]);
      });
    },
  };
  loaded.push(bundle);
  return bundle;
}

/** Write the cache of every bundle this process loaded without a usable one (the CLI's, and those it loaded on demand). */
export function saveCodeCaches(): void {
  for (const bundle of loaded) bundle.saveCache();
}
