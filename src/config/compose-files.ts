/**
 * The project's compose files, which compose-publishes-all-interfaces reads:
 * those `docker compose` reads by default (targets/compose.ts
 * composeFileNames), at the project root. build passes them to validate and
 * the inputs hash covers them, read the same way for both, so an edit of one
 * reruns the checks instead of replaying the manifest's warnings.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { composeFileNames } from '../targets/compose.js';

/** A compose file past this size (1 MiB) is not read: a project's compose file is a page or two. */
const maxComposeBytes = 1024 * 1024;

/** A compose file as read: its name (relative to the root, as messages show it) and its bytes. */
export interface ComposeFile {
  name: string;
  bytes: Buffer;
}

/** The compose files at `root` that exist, in composeFileNames' order; one that cannot be read (or is not a file, or is too large) is left out. */
export function readComposeFiles(root: string): ComposeFile[] {
  return composeFileNames.flatMap((name) => {
    const file = path.join(root, name);
    try {
      const stat = statSync(file);
      if (!stat.isFile() || stat.size > maxComposeBytes) return [];
      return [{ name, bytes: readFileSync(file) }];
    } catch {
      return [];
    }
  });
}
