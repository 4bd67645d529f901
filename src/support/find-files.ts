/** A bounded search of a project's tree for files by name: for pointing at a registry that is not where portbook looks. */
import { type Dirent, readdirSync } from 'node:fs';
import path from 'node:path';

/** Directories never searched: dependencies, version control, build output and portbook's own. */
const skipped = new Set(['node_modules', 'generated', 'dist', 'build', 'vendor', 'target', 'venv', '__pycache__']);

export interface FindOptions {
  /** How many levels below `root` to look (0: `root` only). */
  depth: number;
  /** At most this many directories are read, whatever the tree's size. */
  directories: number;
}

/**
 * Files under `root` whose name matches `name`, shallowest first and by path
 * within a level, as absolute paths. Breadth first, at most `depth` levels
 * down and `directories` directories read; hidden directories (`.git`,
 * `.cache`), dependencies and build output are skipped, links not followed,
 * and directories that cannot be read are passed over.
 */
export function findFiles(root: string, name: RegExp, options: FindOptions): string[] {
  const found: string[] = [];
  let level = [root];
  let budget = options.directories;
  for (let depth = 0; depth <= options.depth && level.length > 0 && budget > 0; depth++) {
    const next: string[] = [];
    const here: string[] = [];
    for (const dir of level) {
      if (budget-- <= 0) break;
      let entries: Dirent[];
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch {
        continue;
      }
      for (const entry of entries) {
        const full = path.join(dir, entry.name);
        if (entry.isFile() && name.test(entry.name)) here.push(full);
        else if (entry.isDirectory() && !entry.name.startsWith('.') && !skipped.has(entry.name)) next.push(full);
      }
    }
    found.push(...here.sort());
    level = next.sort();
  }
  return found;
}
