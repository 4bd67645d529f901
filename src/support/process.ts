import { createRequire } from 'node:module';

const requireBuiltin = createRequire(import.meta.url);

/**
 * node:child_process, loaded when a run first starts a command (git, a
 * deploy check): most runs start none, and loading it is half a millisecond
 * of every start (it brings node:dgram and the process bindings with it).
 */
export function childProcess(): typeof import('node:child_process') {
  return requireBuiltin('node:child_process') as typeof import('node:child_process');
}

/** Whether a process runs: what tells a killed run's leftovers (temporaries, scratch directories named with its pid) from a live one's. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
