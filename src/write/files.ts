/**
 * The write stage's file primitives: read a file if it is there, write one
 * in full, keep a replaced file's permissions, flush a directory, remove quietly.
 *
 * Every change the write stage makes to the disk goes through `disk`, one
 * object of plain functions: the seam where test/faults.ts makes a step fail
 * (a full disk on the third write, a read-only directory at a rename, a
 * signal at an unlink) without touching node:fs for anyone else. A call
 * through it costs a property read next to a system call.
 */
import { chmodSync, closeSync, constants, fsyncSync, mkdirSync, openSync, renameSync, rmdirSync, rmSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { PortbookError } from '../support/errors.js';
import { NotRegularFile, readRegularFile, whyUnreadable } from '../support/regular-file.js';
import { at, atBoth, forget, mkdirs } from './confine.js';

/** The calls that change the disk. Each takes what node:fs's synchronous call of the same name takes and throws what it throws. */
export interface Disk {
  mkdir(dir: string): void;
  /** `mkdir -p`: the directories of `dir` that are missing; returns the first one it created, if any. */
  mkdirs(dir: string): string | undefined;
  /** Create a new file for writing (`wx`, 0644): never an existing one. */
  create(file: string): number;
  write(fd: number, buffer: Buffer, offset: number): number;
  fsync(fd: number): void;
  close(fd: number): void;
  rename(from: string, to: string): void;
  unlink(file: string): void;
  rmdir(dir: string): void;
  /** Remove a directory and everything in it. */
  rmTree(dir: string): void;
  chmod(file: string, mode: number): void;
}

/** A new file for writing: created, never an existing one, never through a link. */
const createFlags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/** Each path goes through `at` (write/confine.ts): while a plan is applied, names under --out are reached through open directories. */
export const disk: Disk = {
  mkdir: (dir) => mkdirSync(at(dir)),
  mkdirs: (dir) => mkdirs(dir),
  create: (file) => openSync(at(file), createFlags, 0o644),
  write: (fd, buffer, offset) => writeSync(fd, buffer, offset),
  fsync: (fd) => fsyncSync(fd),
  close: (fd) => closeSync(fd),
  rename: (from, to) => {
    renameSync(...atBoth(from, to));
    forget(from);
  },
  unlink: (file) => unlinkSync(at(file)),
  rmdir: (dir) => {
    rmdirSync(at(dir));
    forget(dir);
  },
  rmTree: (dir) => {
    rmSync(at(dir), { recursive: true, force: true });
    forget(dir);
  },
  chmod: (file, mode) => chmodSync(at(file), mode),
};

/**
 * A file's text, or `undefined` when nothing is there. Anything else that
 * stands there (a directory, a FIFO, a device, a link that loops) is a
 * PortbookError: gen writes only regular files, and never waits on one.
 */
export function readIfExists(file: string): string | undefined {
  return read(file, false) as string | undefined;
}

/** What `readUnlessLink` gives for a link. */
export const linked = Symbol('a link');

/**
 * `readIfExists`, except that a link at the end of the path is not followed
 * (open's O_NOFOLLOW): `linked` then, for the caller to decide whether to
 * read through it. No `lstat` before the open.
 */
export function readUnlessLink(file: string): string | undefined | typeof linked {
  return read(file, true);
}

function read(file: string, noFollow: boolean): string | undefined | typeof linked {
  try {
    return readRegularFile(file, { noFollow }).toString('utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    // a link at the end (ELOOP on Linux and macOS, EMLINK on FreeBSD), or a loop on the way, which the caller's check names
    if (noFollow && (code === 'ELOOP' || code === 'EMLINK')) return linked;
    if (code === 'EISDIR' || (error instanceof NotRegularFile && error.kind === 'a directory')) {
      throw new PortbookError(`Cannot write ${file}: a directory is in the way`);
    }
    if (code === 'ENOTDIR') throw new PortbookError(`Cannot write ${file}: part of its path is a file, not a directory`);
    if (error instanceof NotRegularFile) throw new PortbookError(`Cannot write ${file}: it is ${error.kind}, and portbook writes only regular files`);
    throw new PortbookError(`Cannot read ${file}: ${whyUnreadable(error)}`);
  }
}

/**
 * Write a whole file. `flush` forces it to disk before the rename that puts it
 * in place of an existing file, so even a power cut cannot leave an empty file
 * where a good one was. New files skip it (thousands of fsyncs would dominate
 * a first gen); a power cut then can at worst leave an empty new file, which
 * the next gen simply replaces. A failure after the file was created removes it.
 */
export function writeFully(file: string, content: string | Buffer, flush: boolean): void {
  const fd = disk.create(file);
  let open = true;
  try {
    const buffer = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    let offset = 0;
    while (offset < buffer.length) offset += disk.write(fd, buffer, offset);
    if (flush) disk.fsync(fd);
    open = false;
    disk.close(fd);
  } catch (error) {
    if (open) closeQuietly(fd);
    removeQuietly(file);
    throw error;
  }
}

function closeQuietly(fd: number): void {
  try {
    disk.close(fd);
  } catch {
    // the write's own error is the one to report
  }
}

/** Remove a file, quietly: whether it is gone (already gone counts). */
export function removeQuietly(file: string): boolean {
  try {
    disk.unlink(file);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT';
  }
  return true;
}

/** Give the temporary the permissions of the file it replaces (new files keep 0644). */
export function keepMode(temporary: string, target: string): void {
  let mode: number;
  try {
    mode = statSync(target).mode & 0o7777;
  } catch {
    return;
  }
  disk.chmod(temporary, mode);
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
