/** What every command's output shares: the Io it writes to, counts, paths as shown, diagnostics, conflicts, the fix to type. */
import path from 'node:path';
import type { Built } from '../../commands/build.js';
import type { GenerateResult } from '../../commands/gen.js';
import type { PathOptions } from '../../config/load.js';
import { displayPath } from '../../config/load.js';
import { colorEnabled, formatDiagnostic, sourceLines } from '../../diagnostics/format.js';
import { severityOf } from '../../diagnostics/report.js';
import { type IgnoredFile, ruleOf } from '../../git/ignored.js';
import { PortbookError } from '../../support/errors.js';
import { shellWord } from '../../support/shell.js';
import { visible, visibleLines } from '../../support/visible.js';
import { journalName } from '../../write/index.js';
import { formatDiff, unifiedDiff } from '../diff.js';

export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  cwd: string;
  /** A person reads stderr (a terminal): show the source line under each diagnostic, in colour (see colorEnabled). */
  tty?: boolean;
  /** stdout is a terminal: colour the diffs (see colorEnabled). */
  stdoutTty?: boolean;
}

export const processIo: Io = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  cwd: process.cwd(),
  tty: process.stderr.isTTY === true,
  stdoutTty: process.stdout.isTTY === true,
};

export function count(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
/** An output's path as shown (`relative`: out-relative, `/`-separated, normalised as the plan gives it); `''` is --out itself, as `dir/`. */
export function outPath(result: Built, relative: string, io: Io): string {
  if (relative !== '') {
    // --out shown as `.` or a path down from cwd: a file in it is shown as that and its path (what displayPath gives, without a
    // path.relative per file: a first gen of 2,000 services lists 2,000); else (above cwd, or shown absolute) displayPath decides
    const base = shownBelow(result.config.out, io.cwd);
    if (base !== undefined) return base === '.' ? relative : `${base}/${relative}`;
  }
  const shown = displayPath(path.join(result.config.out, relative), io.cwd);
  return relative === '' ? (shown === '.' ? './' : `${shown}/`) : shown;
}

let shownOut: { out: string; cwd: string; base: string | undefined } | undefined;

/** `dir` as displayPath shows it, when that is `.` or a relative path that does not start with `..`; else undefined. */
function shownBelow(dir: string, cwd: string): string | undefined {
  if (shownOut?.out !== dir || shownOut.cwd !== cwd) {
    const shown = displayPath(dir, cwd);
    shownOut = { out: dir, cwd, base: path.isAbsolute(shown) || shown === '..' || shown.startsWith('../') ? undefined : shown };
  }
  return shownOut.base;
}

/** Each diagnostic, then, when there were errors, a count and `consequence` (what the command did not do because of them). */
export function printDiagnostics(result: Built, io: Io, consequence = 'nothing was written'): void {
  const tty = io.tty === true;
  const lines = tty ? sourceLines(result.source.original) : [];
  for (const message of result.diagnostics) {
    const shown = { line: message.line, column: message.column, severity: severityOf(message), reason: message.reason, ruleId: message.ruleId };
    io.stderr(formatDiagnostic(shown, result.displayPath, lines, tty));
  }
  const errors = result.diagnostics.filter((message) => severityOf(message) === 'error').length;
  const warnings = result.diagnostics.length - errors;
  if (errors > 0) {
    io.stderr(`\n${count(errors, 'error')}${warnings ? `, ${count(warnings, 'warning')}` : ''} in ${result.displayPath}: ${consequence}.\n`);
  }
}

export function printIgnored(ignored: readonly string[], io: Io): void {
  if (ignored.length === 0) return;
  io.stderr(`portbook: not staged, since .gitignore excludes them: ${ignored.map((file) => displayPath(file, io.cwd)).join(', ')}\n`);
}

/** What to do about outputs git ignores: the fix init applies, or the rules. */
export const unignoreAdvice =
  'Run `portbook init --unignore-outputs` to add a negation line for each to .gitignore (it keeps everything else), or change those rules.';

/**
 * Outputs git would not commit, each with the rule that ignores it, on
 * stderr, then `advice`: every other clone and CI would miss them, and
 * `portbook check` would fail there with advice git cannot follow.
 */
export function printIgnoredOutputs(ignored: readonly IgnoredFile[], io: Io, advice: string): void {
  if (ignored.length === 0) return;
  const they = ignored.length === 1 ? 'it is' : 'they are';
  io.stderr(
    `portbook: git ignores ${count(ignored.length, 'output')}, so ${they} never committed, and \`portbook check\` fails in CI and every other clone:\n`,
  );
  for (const each of ignored) io.stderr(`  ${displayPath(each.file, io.cwd)} (${ruleOf(each, io.cwd)})\n`);
  io.stderr(`${advice}\n`);
}

/** Hand-edited or foreign files where outputs go: show them, write nothing, say how to proceed. */
export function printConflicts(result: GenerateResult, io: Io): number {
  const color = colorEnabled(io.tty === true);
  for (const conflict of result.plan!.conflicts) {
    const name = outPath(result, conflict.path, io);
    if (conflict.reason === 'edited') {
      io.stderr(`portbook: ${name} was edited by hand since portbook wrote it:\n`);
      io.stderr(formatDiff(unifiedDiff(name, conflict.before, conflict.after), 20, color));
    } else {
      io.stderr(`portbook: ${name} exists and was not written by portbook; portbook never replaces such a file.\n`);
    }
  }
  const edited = result.plan!.conflicts.some((conflict) => conflict.reason === 'edited');
  const foreign = result.plan!.conflicts.some((conflict) => conflict.reason === 'foreign');
  io.stderr(
    `\nNothing was written.${edited ? ' Move hand edits into the registry or a template, or run `portbook gen --force` to overwrite them.' : ''}${foreign ? ' Move or delete the files portbook did not write, or choose another --out.' : ''}\n`,
  );
  return 1;
}

/**
 * An interrupted run, as gen and check say it: which files are as that run
 * meant them, which as they were before it, and which changed since (at most
 * `shown` names of each, then how many more).
 */
export function interruptedText(result: GenerateResult, io: Io, shown = 5): string {
  const interrupted = result.plan!.interrupted!;
  const who = [interrupted.pid > 0 ? `process ${interrupted.pid}` : '', interrupted.started ? `started ${interrupted.started}` : ''].filter(Boolean).join(', ');
  const names = (files: readonly string[]): string => {
    const listed = files.slice(0, shown).map((file) => outPath(result, file, io));
    return `${listed.join(', ')}${files.length > shown ? ` and ${files.length - shown} more` : ''}`;
  };
  const groups = [
    interrupted.files.new.length > 0 ? `from that run: ${names(interrupted.files.new)}` : '',
    interrupted.files.old.length > 0 ? `still from the run before it: ${names(interrupted.files.old)}` : '',
    interrupted.files.changed.length > 0 ? `changed since: ${names(interrupted.files.changed)}` : '',
  ].filter(Boolean);
  const registry = interrupted.registry;
  if (registry) {
    const state = { new: 'from that run', old: 'still from the run before it', changed: 'changed since' }[registry.state];
    groups.push(`the diagram block of ${displayPath(registry.file, io.cwd)}: ${state}`);
  }
  const journal = outPath(result, journalName, io);
  // the journal is a file in --out that anyone who can write there can write: what it says is shown, never obeyed
  return visible(
    `the last gen${who ? ` (${who})` : ''} was interrupted before it finished replacing files (${journal} records it)${groups.length > 0 ? `; ${groups.join('; ')}` : ''}`,
  );
}

/** The command that brings the outputs up to date: the same paths check was given (and `--force` over hand edits). */
export function fixCommand(paths: PathOptions, force = false): string {
  const flags = (['source', 'out', 'templates', 'config'] as const).flatMap((key) => (paths[key] === undefined ? [] : [`--${key}`, shellWord(paths[key]!)]));
  if (force) flags.unshift('--force');
  // a path is shown, never obeyed: one holding control characters comes out escaped (and is no longer a command to paste)
  return flags.length === 0 && !force ? '`npm run gen` (or `portbook gen`)' : visible(`\`portbook gen ${flags.join(' ')}\``);
}

/**
 * A PortbookError as the user sees it: its message on stderr (and, for a
 * --json command, `{"error": {"message", "exitCode"}}` on stdout); its exit
 * code. A file system error (one with a syscall and a code) is an I/O problem,
 * shown the same way with exit 2. Anything else is a bug: thrown, with its stack.
 */
export function reportError(error: unknown, io: Io, json = false): number {
  // a file system error that nothing above turned into a message: an I/O problem of the machine's, shown as one (exit 2), never a stack trace
  const failure = error as NodeJS.ErrnoException;
  const known =
    error instanceof PortbookError
      ? error
      : typeof failure?.code === 'string' && typeof failure.syscall === 'string'
        ? new PortbookError(`Cannot ${failure.syscall}${failure.path ? ` ${failure.path}` : ''}: ${failure.code}`, 2)
        : undefined;
  if (known) {
    io.stderr(`portbook: ${visibleLines(known.message)}\n`);
    if (json) io.stdout(`${JSON.stringify({ error: { message: visibleLines(known.message), exitCode: known.exitCode } }, null, 2)}\n`);
    return known.exitCode;
  }
  throw error;
}
