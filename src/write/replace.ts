/** Replacing one file atomically outside a plan: the registry itself, when portbook edits it. */
import { realpathSync } from 'node:fs';
import { PortbookError } from '../support/errors.js';
import { disk, keepMode, removeQuietly, writeFully } from './files.js';
import { writing } from './signals.js';
import { temporaryPath } from './temporaries.js';

/**
 * Replace one file atomically (temporary beside it, flush, rename), keeping
 * its permissions. A link is written through: the file it points to is
 * replaced and the link stays (a registry shared by a link keeps being shared).
 */
export function replaceFile(file: string, content: string): void {
  let target = file;
  try {
    target = realpathSync(file);
  } catch {
    // not there yet (or a link to nothing): the rename creates it
  }
  writing();
  const temporary = temporaryPath(target);
  try {
    writeFully(temporary, content, true);
    keepMode(temporary, target);
    disk.rename(temporary, target);
  } catch (error) {
    removeQuietly(temporary);
    throw new PortbookError(`Cannot write ${target}: ${(error as NodeJS.ErrnoException).code ?? String(error)}; it is as it was`);
  }
}
