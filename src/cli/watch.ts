/** `gen --watch` at a terminal: print each run as gen would; end (exit 0) on SIGINT or SIGTERM. */
import { existsSync } from 'node:fs';
import { watchGenerate } from '../commands/watch.js';
import { displayPath, type PathOptions } from '../config/load.js';
import { type Io, printConflicts, printDiagnostics, reportError } from './output/common.js';
import { printGen } from './output/gen.js';

export function watchCommand(paths: PathOptions, force: boolean, io: Io): Promise<number> {
  const { config, watcher } = watchGenerate({ ...paths, force }, (run) => {
    if ('error' in run) {
      reportError(run.error, io);
      return;
    }
    const { result } = run;
    printDiagnostics(result, io);
    if (!result.plan) io.stderr('portbook: kept the last good outputs; fix the registry and save again\n');
    else if (result.plan.conflicts.length > 0) printConflicts(result, io);
    else printGen(result, false, io);
  });
  const templates = `${displayPath(config.templates, io.cwd)}/${existsSync(config.templates) ? '' : ' (once it exists)'}`;
  io.stdout(`watching ${displayPath(config.source, io.cwd)}${config.file ? `, ${displayPath(config.file, io.cwd)}` : ''} and ${templates} (Ctrl-C to stop)\n`);
  return new Promise((resolve) => {
    const stop = (): void => {
      watcher.close();
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(0);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
