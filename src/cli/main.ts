/**
 * The command line: check the arguments against the command table, call the
 * command's handler (one library call), print. Exit codes: 0 ok (warnings
 * allowed), 1 registry errors, stale outputs or a refused commit, 2 usage,
 * configuration, template or I/O errors. Never a stack trace for bad input.
 */
import type { PathOptions } from '../config/load.js';
import { version } from '../support/package.js';
import { whenWriting } from '../write/index.js';
import { type ParsedArgs, parseArgs } from './args.js';
import { commandHelp, globalHelp } from './command-table.js';
import { handlers } from './handlers.js';
import { checkedLine, knownCommand, type Values } from './line.js';
import { type Io, processIo, reportError } from './output/common.js';

// for bench/parse-only.cjs: the bundle's own reader, to time the floor under a cold gen
export { read } from '../read/index.js';
export { version } from '../support/package.js';
export { commandHelp } from './command-table.js';
export { commitAborted } from './handlers.js';
export type { Io } from './output/common.js';

/** `portbook --help`: the commands, one line each (each command's options are in `portbook <command> --help`). */
export const helpText = globalHelp();

/** The commands whose --json answers on stdout, errors included. */
const jsonCommands: readonly string[] = ['gen', 'check', 'next', 'scan', 'deploy', 'drift'];

/**
 * Run the CLI with `argv` (without node and script) and return the exit code;
 * `gen --watch` returns a promise that settles when the watch ends.
 */
export function main(argv: readonly string[], io: Io = processIo): number | Promise<number> {
  const parsed = parseArgs(argv);
  // a script that parses stdout gets an answer even when the command fails
  const json = parsed.values.json === true && jsonCommands.includes(parsed.positionals[0] ?? '');
  // `gen --watch` ends on SIGINT and SIGTERM itself, between runs
  if (!(parsed.positionals[0] === 'gen' && parsed.values.watch === true)) holdSignalsWhileWriting(io);
  try {
    return run(parsed, argv, io);
  } catch (error) {
    return reportError(error, io, json);
  } finally {
    whenWriting(undefined);
  }
}

/** The signals a write holds, with the exit code each ends the process with (128 + its number). */
const heldSignals: Readonly<Record<string, number>> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

/**
 * From the first change a command makes to the disk, SIGINT, SIGTERM and
 * SIGHUP wait until it is done (see write/signals.ts: a synchronous run
 * cannot be stopped half way, only before or after its write); then the
 * process ends with 128 + the signal's number. A signal before the first
 * change ends the run at once, as usual: nothing is written yet.
 */
function holdSignalsWhileWriting(io: Io): void {
  whenWriting(() => {
    let received: string | undefined;
    const hold = (signal: string): void => {
      received ??= signal;
    };
    for (const signal of Object.keys(heldSignals)) process.on(signal, hold);
    // once the command has returned: a signal that came meanwhile is delivered when the event loop next polls, and the
    // second immediate runs after that poll (the first one may run before it, when the command itself ran in a callback)
    setImmediate(() =>
      setImmediate(() => {
        for (const signal of Object.keys(heldSignals)) process.off(signal, hold);
        if (received === undefined) return;
        io.stderr(`portbook: ${received} came while files were being written: the write was finished first (no file is left half done); stopping now.\n`);
        process.exitCode = heldSignals[received]!;
      }),
    );
  });
}

function run(parsed: ParsedArgs, argv: readonly string[], io: Io): number | Promise<number> {
  const values = parsed.values as Values;
  const [first, second] = parsed.positionals;
  if (values.help || first === 'help') {
    const target = first === 'help' ? second : first;
    if (target === undefined || target === 'help') io.stdout(helpText);
    else io.stdout(commandHelp(knownCommand(target, argv, parsed.positionalIndex[first === 'help' ? 1 : 0]!)));
    return 0;
  }
  if (values.version) {
    // after the command's name is checked: `portbook gne --version` is still a typo
    if (first !== undefined) knownCommand(first, argv, parsed.positionalIndex[0]!);
    io.stdout(`${version}\n`);
    return 0;
  }
  const line = checkedLine(parsed, argv);
  const paths: PathOptions = { cwd: io.cwd };
  for (const key of ['source', 'out', 'templates', 'config'] as const) {
    if (values[key] !== undefined) paths[key] = values[key];
  }
  if (values['no-cache']) paths.cache = false;
  return handlers[line.command]({ line, values, paths, io });
}
