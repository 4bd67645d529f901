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
 * SHA-256 of the source it was made from and the SHA-256 of the bytecode, and
 * is used only when both match. A cache that cannot be written (a read-only
 * install) only means every run compiles.
 */
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';

const hashLength = 32;

const sha256 = (data: string | Uint8Array): Buffer => createHash('sha256').update(data).digest();

export interface LoadedBundle<T> {
  /** What the bundle put in `module.exports`. */
  exports: T;
  /** Whether V8 accepted the cache (false when there was none, or it was stale). */
  cached: boolean;
  /** Write the cache when there was no usable one: call it after a run, so the functions that run are in it. */
  saveCache(): void;
}

/** Where the cache of `file` lives: one per Node version and architecture, so switching Node versions does not thrash it. */
export function cacheFileOf(file: string): string {
  return `${file}.${process.version}-${process.arch}.cache`;
}

export function loadWithCodeCache<T>(file: string): LoadedBundle<T> {
  const source = readFileSync(file, 'utf8');
  const hash = sha256(source);
  const cacheFile = cacheFileOf(file);
  let cachedData: Buffer | undefined;
  try {
    const stored = readFileSync(cacheFile);
    const data = stored.subarray(2 * hashLength);
    // V8 checks no checksum of the bytecode itself in release builds: a damaged file must never reach it
    if (data.length > 0 && stored.subarray(0, hashLength).equals(hash) && stored.subarray(hashLength, 2 * hashLength).equals(sha256(data))) cachedData = data;
  } catch {
    // no cache yet
  }
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: file,
    ...(cachedData ? { cachedData } : {}),
  });
  const module = { exports: {} as T };
  const run = script.runInThisContext() as (exports: T, require: NodeJS.Require, module: { exports: T }, filename: string, dirname: string) => void;
  run(module.exports, createRequire(file), module, file, path.dirname(file));
  const cached = cachedData !== undefined && !script.cachedDataRejected;
  return {
    exports: module.exports,
    cached,
    saveCache() {
      if (cached) return;
      const temporary = `${cacheFile}.${process.pid}.tmp`;
      try {
        const data = script.createCachedData();
        const fd = openSync(temporary, 'w');
        try {
          const bytes = Buffer.concat([hash, sha256(data), data]);
          for (let offset = 0; offset < bytes.length; ) offset += writeSync(fd, bytes, offset);
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
        renameSync(temporary, cacheFile);
      } catch {
        try {
          unlinkSync(temporary);
        } catch {
          // never written
        }
      }
    },
  };
}
