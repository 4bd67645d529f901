/**
 * Stage 5, write: compare the rendered files with the disk, then replace
 * only what changed, atomically.
 *
 * Every changed file (and the registry, when its diagram block changes) is
 * first written in full to a temporary file beside its target and flushed
 * (a directory that does not exist yet is built whole under a temporary name
 * beside where it goes); only when all of them exist are they renamed into
 * place, so a failure before that point replaces nothing, and a run killed
 * before it leaves only temporaries, which the next run finds by their name
 * and removes. Before the first rename a journal in the output directory
 * records the run (journal.ts), so a run killed among its renames leaves a
 * state that check and gen name until the next gen finishes it. Unchanged
 * files are not touched (their mtime stays), and a copy that differs only in
 * its line endings (git's core.autocrlf) is unchanged. A manifest in the
 * output directory lists what portbook wrote, so outputs it no longer
 * renders can be removed without ever deleting a file it did not make.
 *
 * Nothing is lost, here, means: no output path leads out of `out`
 * (paths.ts); a file edited by hand since portbook wrote it is replaced only
 * with --force, and one portbook never wrote never is (plan.ts); a failed or
 * killed run leaves every file wholly old or wholly new, the registry with
 * them, and only temporaries and its journal behind (apply.ts,
 * temporaries.ts, journal.ts); a file is removed only when the manifest
 * (manifest.ts) or an interrupted run's journal lists it and it is still as
 * portbook wrote it. replace.ts replaces one file (the registry itself, for
 * add, fill and fix-encoding) the same way. Every change to the disk goes
 * through files.ts's `disk`, and a signal that arrives meanwhile waits until
 * the write is done (signals.ts).
 */
export { type ApplyHooks, apply } from './apply.js';
export { type Disk, disk } from './files.js';
export { type Journal, journalName, readJournal } from './journal.js';
export { type Manifest, type ManifestWarning, manifestFor, manifestName, parseManifest, readManifest, recordedInputs, sameListing } from './manifest.js';
export { type InsideCache, resolveInside } from './paths.js';
export { type Change, type ChangeKind, type Conflict, type Interrupted, type Plan, type PlanOptions, plan, type RegistryWrite } from './plan.js';
export { replaceFile } from './replace.js';
export { whenWriting } from './signals.js';
export { deadStagingDirectories, isDeadTemporary, makeStagingDirectory, removeDeadStagingDirectories, removeDeadTemporaries } from './temporaries.js';
