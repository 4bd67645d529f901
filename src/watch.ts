/**
 * `gen --watch`: regenerate when the registry, a template or the config is
 * saved (debounced). A broken registry writes nothing, so the last good
 * outputs stay in place while the diagnostics are printed.
 */
import { existsSync, watch as watchFs, type FSWatcher } from 'node:fs';
import path from 'node:path';
import type { Config } from './config.js';

export interface Watcher {
  close(): void;
}

/**
 * Call `run` whenever a file that feeds gen changes. Directories are watched
 * (editors often save by renaming a new file over the old one), and events
 * for other files in them are ignored. A templates directory that does not
 * exist yet is watched for from its parent, and from the moment it appears.
 */
export function watchInputs(config: Config, run: () => void, debounceMs = 150): Watcher {
  const files = new Set([config.source, ...(config.file ? [config.file] : [])].map((file) => path.resolve(file)));
  const templates = path.resolve(config.templates);
  const directories = new Set([...files].map((file) => path.dirname(file)));
  if (existsSync(templates)) directories.add(templates);
  else if (existsSync(path.dirname(templates))) directories.add(path.dirname(templates));
  let timer: NodeJS.Timeout | undefined;
  const trigger = (): void => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(run, debounceMs);
  };
  const watchers = new Map<string, FSWatcher>();
  const watchDirectory = (directory: string): void => {
    watchers.set(
      directory,
      watchFs(directory, (_event, name) => {
        if (name === null) return trigger();
        const changed = path.join(directory, name.toString());
        if (changed === templates && !watchers.has(templates) && existsSync(templates)) {
          watchDirectory(templates); // created (or moved in) since the watch began: its templates count from now on
          return trigger();
        }
        if (files.has(changed) || (directory === templates && changed.endsWith('.hbs'))) trigger();
      }),
    );
  };
  for (const directory of directories) watchDirectory(directory);
  return {
    close() {
      if (timer) clearTimeout(timer);
      for (const watcher of watchers.values()) watcher.close();
    },
  };
}
