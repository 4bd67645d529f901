/**
 * The write stage's file primitives: read a file if it is there, write one
 * in full, keep a replaced file's permissions, flush a directory, remove quietly.
 */
import { chmodSync, closeSync, fsyncSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { PortbookError } from '../support/errors.js';

export function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'EISDIR') throw new PortbookError(`Cannot write ${file}: a directory is in the way`);
    if (code === 'ENOTDIR') throw new PortbookError(`Cannot write ${file}: part of its path is a file, not a directory`);
    throw new PortbookError(`Cannot read ${file}: ${code ?? String(error)}`);
  }
}

/**
 * Write a whole file. `flush` forces it to disk before the rename that puts it
 * in place of an existing file, so even a power cut cannot leave an empty file
 * where a good one was. New files skip it (thousands of fsyncs would dominate
 * a first gen); a power cut then can at worst leave an empty new file, which
 * the next gen simply replaces.
 */
export function writeFully(file: string, content: string, flush: boolean): void {
  const fd = openSync(file, 'wx', 0o644);
  try {
    const buffer = Buffer.from(content, 'utf8');
    let offset = 0;
    while (offset < buffer.length) offset += writeSync(fd, buffer, offset);
    if (flush) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function removeQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}

/** Give the temporary the permissions of the file it replaces (new files keep 0644). */
export function keepMode(temporary: string, target: string): void {
  let mode: number;
  try {
    mode = statSync(target).mode & 0o7777;
  } catch {
    return;
  }
  chmodSync(temporary, mode);
}

export function syncDirectory(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // not every platform can fsync a directory; the rename is still atomic
  }
}
