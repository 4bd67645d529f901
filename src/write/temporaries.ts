/**
 * Temporaries and the debris of killed runs: temporary names beside a target,
 * staging directories for candidates, whether their run is alive, and removing them.
 */
import { randomBytes } from 'node:crypto';
import { type Dirent, lstatSync, mkdtempSync, readdirSync, realpathSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { processAlive } from '../support/process.js';
import { disk, removeQuietly } from './files.js';
import { type InsideCache, type Listings, listingOf, readListing, resolveInside } from './paths.js';
import { writing } from './signals.js';

/** This process's id (reading `process.pid` is a system call each time). */
const ownPid = process.pid;
/** Temporaries are numbered from a random start: unique in this process, and unlike a dead run's with the same pid. */
let temporaryNumber = randomBytes(4).readUInt32BE(0);

/** A fresh name beside `target`, so the rename stays on one file system. */
export function temporaryPath(target: string): string {
  temporaryNumber = (temporaryNumber + 1) >>> 0;
  return path.join(path.dirname(target), `.${path.basename(target)}.portbook-${ownPid}-${temporaryNumber.toString(16).padStart(8, '0')}.tmp`);
}

/** `.NAME.portbook-PID-HEX.tmp`: a temporary file, or a directory being built, of the run with that process id. */
const temporaryPattern = /^\.(.+)\.portbook-(\d+)-[0-9a-f]{8}\.tmp$/;

/** Whether `name` is a portbook temporary (of `of`, when given) whose run is no longer alive. */
export function isDeadTemporary(name: string, of?: string): boolean {
  const match = temporaryPattern.exec(name);
  return match !== null && (of === undefined || match[1] === of) && !isAlive(Number(match[2]));
}

/**
 * The directories where a killed run can have left temporaries among the
 * outputs (out-relative, `.` for `out`): those of the outputs, for files
 * replaced there, and every directory on the way to them, where it built
 * directories that did not exist yet.
 */
function debrisDirectories(outputs: Iterable<string>): string[] {
  const directories = new Set<string>();
  for (const relative of outputs) {
    for (let directory = path.posix.dirname(relative); !directories.has(directory); directory = path.posix.dirname(directory)) {
      directories.add(directory);
      if (directory === '.') break;
    }
  }
  return [...directories].sort();
}

/** Whether a directory entry is a temporary (a file, or a directory being built) of a run that is no longer alive; links and the rest never are. */
function isDeadEntry(entry: Dirent): boolean {
  return (entry.isFile() || entry.isDirectory()) && isDeadTemporary(entry.name);
}

/**
 * Temporaries of runs that are no longer alive, in the directories of
 * `debrisDirectories` that exist. A run that writes into an existing `out`
 * makes its first temporary in `out` itself and removes it last, after its
 * last rename (the manifest's, or its record: see apply.ts's `prepare`), so
 * whatever a killed run left among the outputs, it left a dead run's
 * temporary in `out` too: `out` is listed first, and the other directories
 * (2,000 drop-in directories for 2,000 services) only when it holds one.
 * Reading each directory also tells `plan` which directories are missing
 * and which names the others hold.
 */
export function findDebris(out: string, outputs: Iterable<string>, inside: InsideCache, listings: Listings): string[] {
  const top = listingOf(path.resolve(out), listings);
  if (top === undefined || ![...top.values()].some(isDeadEntry)) return [];
  const debris: string[] = [];
  const inOut: string[] = [];
  for (const relative of outputs) {
    try {
      resolveInside(out, relative, inside, listings);
    } catch {
      continue; // a manifest entry pointing outside is never followed
    }
    inOut.push(relative);
  }
  for (const directory of debrisDirectories(inOut)) {
    const absolute = path.resolve(out, directory);
    if (inside.get(absolute) === 'missing') continue; // resolveInside found it missing already
    let entries = listings.get(absolute);
    if (!listings.has(absolute)) {
      try {
        entries = readListing(absolute);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') inside.set(absolute, 'missing');
      }
      listings.set(absolute, entries);
    }
    const dead: string[] = [];
    for (const entry of entries?.values() ?? []) if (isDeadEntry(entry)) dead.push(entry.name);
    for (const name of dead.sort()) debris.push(directory === '.' ? name : `${directory}/${name}`);
  }
  return debris;
}

/** The output directory as a killed first run was building it, under a temporary name beside `out`. */
export function debrisBeside(out: string): string[] {
  const root = path.resolve(out);
  const parent = path.dirname(root);
  let entries: Dirent[];
  try {
    entries = readdirSync(parent, { withFileTypes: true });
  } catch {
    return []; // no parent yet: nothing was built there
  }
  return entries
    .filter((entry) => entry.isDirectory() && isDeadTemporary(entry.name, path.basename(root)))
    .map((entry) => path.join(parent, entry.name))
    .sort();
}

/**
 * The temporaries a killed `replaceFile` of `file` (or a killed gen's
 * rewrite of the registry's diagram block) left: beside the file a link
 * leads to, where they are written. Only that file's, only of runs no longer alive.
 */
export function deadTemporariesOf(file: string): string[] {
  let target = file;
  try {
    target = realpathSync(file);
  } catch {
    // not there (or a link to nothing): its temporaries would stand beside the path itself
  }
  const directory = path.dirname(target);
  let entries: Dirent[];
  try {
    entries = readdirSync(directory, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((entry) => entry.isFile() && isDeadTemporary(entry.name, path.basename(target)))
    .map((entry) => path.join(directory, entry.name))
    .sort();
}

/** Remove the temporaries a killed `replaceFile` of `file` left (see deadTemporariesOf); returns their paths. */
export function removeDeadTemporaries(file: string): string[] {
  const removed = deadTemporariesOf(file);
  for (const temporary of removed) removeQuietly(temporary);
  return removed;
}

const stagingPrefix = 'portbook-candidates-';
const stagingPattern = /^portbook-candidates-(\d+)-[A-Za-z0-9]{6}$/;

/**
 * A fresh directory in the OS temporary directory for candidate files (see
 * deploy.ts), `portbook-candidates-PID-XXXXXX`: named with the run's process
 * id, so that a later run can tell one a killed run left.
 */
export function makeStagingDirectory(): string {
  writing();
  return mkdtempSync(path.join(os.tmpdir(), `${stagingPrefix}${ownPid}-`));
}

/** Staging directories of runs that are no longer alive, in the OS temporary directory. */
export function deadStagingDirectories(): string[] {
  const tmp = os.tmpdir();
  let entries: Dirent[];
  try {
    entries = readdirSync(tmp, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    const pid = entry.isDirectory() ? stagingPattern.exec(entry.name)?.[1] : undefined;
    return pid !== undefined && !isAlive(Number(pid)) ? [path.join(tmp, entry.name)] : [];
  });
}

/** Remove the staging directories runs killed while validating left; returns their paths. */
export function removeDeadStagingDirectories(): string[] {
  const dead = deadStagingDirectories();
  for (const directory of dead) removeDebris(directory);
  return dead;
}

/** Remove a temporary file, or a directory a killed run was building (its contents are that run's). Whether it is gone. */
export function removeDebris(temporary: string): boolean {
  try {
    if (lstatSync(temporary).isDirectory()) disk.rmTree(temporary);
    else disk.unlink(temporary);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT'; // already gone, or it stays (the next run tries again)
  }
  return true;
}

function isAlive(pid: number): boolean {
  return pid === ownPid || processAlive(pid);
}
