/**
 * `gen --watch`: regenerate when the registry, a template or the config is
 * saved (debounced). A broken registry writes nothing, so the last good
 * outputs stay in place while the diagnostics are printed.
 */
import { existsSync, type FSWatcher, watch as watchFs } from 'node:fs';
import path from 'node:path';
import { type Config, loadConfig } from '../config/load.js';
import { type GenerateOptions, type GenerateResult, generate } from './gen.js';

export interface Watcher {
  close(): void;
}

/**
 * Call `run` whenever a file that feeds gen changes. Directories are watched
 * (editors often save by renaming a new file over the old one), and events
 * for other files in them are ignored. The templates directory's parent is
 * watched too, so a templates directory that appears, or is removed and
 * made again, is watched from then on.
 */
export function watchInputs(config: Config, run: () => void, debounceMs = 150): Watcher {
  const files = new Set([config.source, ...(config.file ? [config.file] : [])].map((file) => path.resolve(file)));
  const templates = path.resolve(config.templates);
  const directories = new Set([...files].map((file) => path.dirname(file)));
  if (existsSync(templates)) directories.add(templates);
  // its parent tells when the templates directory appears, goes, or comes back (a git checkout)
  if (existsSync(path.dirname(templates))) directories.add(path.dirname(templates));
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
        if (changed === templates && directory !== templates) {
          // created, removed or replaced since the watch began: watch what is there now
          watchers.get(templates)?.close();
          watchers.delete(templates);
          if (existsSync(templates)) watchDirectory(templates);
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

/** One run of a watch: gen's result, or the error it threw (a template error, an I/O error). */
export type WatchRun = { result: GenerateResult } | { error: unknown };

/** `gen --watch`: generate now and on every save of an input, handing each run to `onRun`, until `close()`. */
export function watchGenerate(options: GenerateOptions, onRun: (run: WatchRun) => void): { config: Config; watcher: Watcher } {
  const config = loadConfig(options);
  const once = (): void => {
    let run: WatchRun;
    try {
      run = { result: generate(options) };
    } catch (error) {
      run = { error };
    }
    onRun(run);
  };
  once();
  return { config, watcher: watchInputs(config, once) };
}
