/**
 * Stage 5, write: compare the rendered files with the disk, then replace
 * only what changed, atomically.
 *
 * Every changed file is first written in full to a temporary file beside
 * its target and flushed (a directory that does not exist yet is built
 * whole under a temporary name beside where it goes); only when all of them
 * exist are they renamed into place, so a failure before that point
 * replaces nothing, and a killed run leaves only temporaries, which the
 * next run finds by their name and removes. Unchanged files
 * are not touched (their mtime stays). A manifest in the output directory
 * lists what portbook wrote, so outputs it no longer renders can be removed
 * without ever deleting a file it did not make.
 *
 * Nothing is lost, here, means: no output path leads out of `out`
 * (paths.ts); a file edited by hand since portbook wrote it is replaced only
 * with --force, and one portbook never wrote never is (plan.ts); a failed or
 * killed run leaves every old file whole and only temporaries behind
 * (apply.ts, temporaries.ts); a file is removed only when the manifest
 * (manifest.ts) lists it and it is still as portbook wrote it. replace.ts
 * replaces one file (the registry itself) the same way.
 */
export { type ApplyHooks, apply } from './apply.js';
export { type Manifest, type ManifestWarning, manifestFor, manifestName, parseManifest, readManifest, sameListing, sha256 } from './manifest.js';
export { type InsideCache, resolveInside } from './paths.js';
export { type Change, type ChangeKind, type Conflict, type Plan, type PlanOptions, plan } from './plan.js';
export { replaceFile } from './replace.js';
export { deadStagingDirectories, isDeadTemporary, makeStagingDirectory, removeDeadStagingDirectories, removeDeadTemporaries } from './temporaries.js';
