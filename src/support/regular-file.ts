/**
 * Reading a file that must be a regular file: the registry, the config, a
 * template, an output. A FIFO, a device (`/dev/zero`, `/dev/urandom`), a
 * socket or a directory is refused, never read: it is opened without
 * blocking (a FIFO with no writer would block the open itself), checked with
 * fstat on the open descriptor (no race with a rename in between), and what
 * is read is bounded.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

/** What stands at a path when it is not a regular file, as a message names it. */
export type NotRegularKind = 'a directory' | 'a FIFO' | 'a character device' | 'a block device' | 'a socket' | 'not a regular file';

/** Thrown when the path holds something other than a regular file; `code` is `ENOTREG` so callers can tell it from the system's errors. */
export class NotRegularFile extends Error {
  readonly code = 'ENOTREG';
  constructor(
    readonly file: string,
    readonly kind: NotRegularKind,
  ) {
    super(`${file} is ${kind}, not a regular file`);
  }
}

/** Thrown when the file holds more than the limit allows. */
export class FileTooLarge extends Error {
  readonly code = 'EFBIG';
  constructor(
    readonly file: string,
    readonly limit: number,
    /** The file's size when fstat told it; `undefined` when it grew past the limit while it was read. */
    readonly size: number | undefined,
  ) {
    super(`${file} has more than ${limit} bytes`);
  }
}

// O_NONBLOCK keeps open(2) of a FIFO from waiting for a writer; O_NOCTTY keeps a terminal from becoming ours. Neither exists on Windows.
const openFlags = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0);

export interface ReadOptions {
  /** Refuse a file larger than this many bytes (FileTooLarge); reads at most this many and one more. */
  limit?: number;
  /** Do not follow a link at the end of the path (open fails with ELOOP when it is one). */
  noFollow?: boolean;
}

/**
 * The bytes of `file`, which must be a regular file. Throws NotRegularFile,
 * FileTooLarge, or the system's error (ENOENT, EACCES, ELOOP, …) as it is.
 */
export function readRegularFile(file: string, options: ReadOptions = {}): Buffer {
  const limit = options.limit ?? Number.MAX_SAFE_INTEGER;
  let fd: number;
  try {
    fd = openSync(file, options.noFollow ? openFlags | (constants.O_NOFOLLOW ?? 0) : openFlags);
  } catch (error) {
    // a socket (or a device with nothing behind it) cannot even be opened
    if ((error as NodeJS.ErrnoException).code === 'ENXIO') throw new NotRegularFile(file, 'not a regular file');
    throw error;
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw new NotRegularFile(file, kindOf(stats));
    if (stats.size > limit) throw new FileTooLarge(file, limit, stats.size);
    // the size fstat gives, and one byte more to see whether the file grew meanwhile
    let buffer = Buffer.allocUnsafe(Math.min(stats.size, limit) + 1);
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        if (length > limit) throw new FileTooLarge(file, limit, undefined);
        const grown = Buffer.allocUnsafe(Math.min(buffer.length * 2, limit + 1));
        buffer.copy(grown, 0, 0, length);
        buffer = grown;
      }
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
    }
    if (length > limit) throw new FileTooLarge(file, limit, undefined);
    return buffer.subarray(0, length);
  } finally {
    closeSync(fd);
  }
}

function kindOf(stats: ReturnType<typeof fstatSync>): NotRegularKind {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** Why a read failed, for a message: `it is a FIFO, not a regular file`, `… bytes is more than the …-byte limit`, or the error's code. */
export function whyUnreadable(error: unknown): string {
  if (error instanceof NotRegularFile) return error.kind === 'a directory' ? 'it is a directory' : `it is ${error.kind}, not a regular file`;
  if ((error as NodeJS.ErrnoException).code === 'EISDIR') return 'it is a directory';
  if (error instanceof FileTooLarge) {
    return error.size === undefined ? `it holds more than the ${error.limit}-byte limit` : `${error.size} bytes is more than the ${error.limit}-byte limit`;
  }
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ELOOP') return 'it is a link that leads to itself (a loop of symbolic links)';
  return code ?? String(error);
}
