/**
 * The fault-injection harness for the write path: every change gen makes to
 * the disk goes through src/write/files.ts's `disk`, and this swaps its
 * functions for ones that record each call or fail at a chosen one (a full
 * disk on the n-th write, a read-only directory at a rename or an unlink).
 * node:fs itself is never touched. The same seam is driven from a child
 * process by test/fixtures/faults/child.mjs, for signals and for faults whose
 * debris only a later process may remove.
 */
import { type Disk, disk } from '../src/write/files.js';

export type Op = keyof Disk;

/** One change to the disk: the primitive, and the path it was about (for write, fsync and close, the file of the descriptor). */
export interface Call {
  op: Op;
  path: string;
}

/** A call that fails: the `at`-th (0-based) call to the disk fails with `code`. */
export interface Fault {
  at: number;
  code: string;
}

/** The error codes each primitive is made to fail with: what a full disk, a read-only directory or a failing device gives there. */
export const faultCodes: Readonly<Record<Op, readonly string[]>> = {
  mkdir: ['EROFS', 'ENOSPC'],
  mkdirs: ['EACCES'],
  create: ['EACCES', 'ENOSPC'],
  write: ['ENOSPC'],
  fsync: ['EIO'],
  close: ['EIO'],
  rename: ['EACCES', 'EROFS'],
  unlink: ['EROFS'],
  rmdir: ['EACCES'],
  rmTree: ['EACCES'],
  chmod: ['EPERM'],
};

/**
 * Run `run` with every call to the disk recorded, and with `fault` (if any)
 * thrown at its call instead of making it. Puts the real functions back
 * however `run` ends. With `flush: false`, fsync is recorded but not made:
 * the harness checks what a run leaves on disk, not what a power cut would
 * keep of it, and a flush costs milliseconds on a real disk.
 */
export function withDisk<T>(fault: Fault | undefined, run: () => T, options: { flush?: boolean } = {}): { result: T; calls: Call[] } {
  const real = { ...disk };
  const calls: Call[] = [];
  const files = new Map<number, string>();
  const wrap = <K extends Op>(op: K, pathOf: (...args: Parameters<Disk[K]>) => string): void => {
    (disk as unknown as Record<Op, (...args: unknown[]) => unknown>)[op] = (...args: unknown[]) => {
      const call = { op, path: pathOf(...(args as Parameters<Disk[K]>)) };
      const index = calls.push(call) - 1;
      if (fault !== undefined && index === fault.at) {
        throw Object.assign(new Error(`${fault.code}: injected at ${op} ${call.path}`), { code: fault.code });
      }
      if (op === 'fsync' && options.flush === false) return undefined;
      return (real[op] as (...args: unknown[]) => unknown)(...args);
    };
  };
  wrap('mkdir', (dir) => dir);
  wrap('mkdirs', (dir) => dir);
  wrap('create', (file) => file);
  wrap('write', (fd) => files.get(fd) ?? `fd ${fd}`);
  wrap('fsync', (fd) => files.get(fd) ?? `fd ${fd}`);
  wrap('close', (fd) => files.get(fd) ?? `fd ${fd}`);
  wrap('rename', (from, to) => `${from} -> ${to}`);
  wrap('unlink', (file) => file);
  wrap('rmdir', (dir) => dir);
  wrap('rmTree', (dir) => dir);
  wrap('chmod', (file) => file);
  // the descriptor's file, for the calls that take a descriptor
  const create = disk.create;
  disk.create = (file) => {
    const fd = create(file);
    files.set(fd, file);
    return fd;
  };
  try {
    return { result: run(), calls };
  } finally {
    Object.assign(disk, real);
  }
}
