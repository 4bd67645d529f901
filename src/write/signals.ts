/**
 * Signals while a run changes the disk. A run is synchronous, and Node runs a
 * signal's listeners only once the code that is running returns: no listener
 * can stop a write half way and clean up after it. Without one, SIGINT or
 * SIGTERM ends the process on the spot and leaves temporaries (and a mix of
 * old and new files) behind. With one, the signal waits until the run is
 * done: its write is finished (or refused whole), nothing is left half done,
 * and then the process ends with 128 + the signal's number.
 *
 * The command line asks for that (`whenWriting`, see cli/main.ts); the write
 * stage calls `writing()` before its first change to the disk, so that a
 * signal before it (while reading, rendering or planning) still ends the
 * run at once, with nothing to clean up. A program that uses the library
 * keeps its own signal handling: nothing here listens unless asked.
 */

let onWriting: (() => void) | undefined;

/** Run `callback` once, before the first change to the disk of this process's runs (the CLI holds signals from there on). */
export function whenWriting(callback: (() => void) | undefined): void {
  onWriting = callback;
}

/** The write stage is about to change the disk. */
export function writing(): void {
  const callback = onWriting;
  if (callback === undefined) return;
  onWriting = undefined;
  callback();
}
