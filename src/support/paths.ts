/** Paths as git and the file system see them: real paths, and whether one is inside another. */
import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';

/** git reports real paths; compare like with like. */
export function real(file: string): string {
  if (existsSync(file)) return realpathSync(file);
  // not there yet: resolve what exists of it (a link on the way decides where it will be)
  const parent = path.dirname(file);
  return parent === file ? file : path.join(real(parent), path.basename(file));
}

/** The nearest existing directory at or above `file`. */
export function existingDirectory(file: string): string {
  let current = file;
  while (!existsSync(current) && path.dirname(current) !== current) current = path.dirname(current);
  return current;
}

/** Whether `file` is `root` or below it. */
export function isInside(root: string, file: string): boolean {
  const relative = path.relative(root, file);
  return relative === '' || (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative));
}
