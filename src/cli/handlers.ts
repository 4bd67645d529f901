/**
 * One handler per command: turn the checked command line into the library
 * call's options, call the one library function (src/commands/), print.
 * Usage errors about a value name it and say what to type instead.
 */
import { type AddOutcome, add, EnvironmentNeeded } from '../commands/add.js';
import { check, ignoredOutputs } from '../commands/check.js';
import { type DeployOptions, deploy } from '../commands/deploy.js';
import { drift } from '../commands/drift.js';
import { fill } from '../commands/fill.js';
import { fixEncoding } from '../commands/fix-encoding.js';
import { generate } from '../commands/gen.js';
import { hookManagers, installPreCommitHook } from '../commands/hook.js';
import { init } from '../commands/init.js';
import { next } from '../commands/next.js';
import { preCommit } from '../commands/pre-commit.js';
import type { EditOutcome } from '../commands/registry-edit.js';
import { scan } from '../commands/scan.js';
import { generateAndStage } from '../commands/stage.js';
import type { PathOptions } from '../config/load.js';
import { formatMessage } from '../diagnostics/format.js';
import type { HookManager } from '../git/hooks.js';
import { visible } from '../support/visible.js';
import type { Command } from './command-table.js';
import { badValue, environmentOption, type Line, spliced, tokenOf, usage, type Values } from './line.js';
import { printCheck } from './output/check.js';
import { count, type Io, printConflicts, printDiagnostics, printIgnoredOutputs, reportError, unignoreAdvice } from './output/common.js';
import { printDeploy, printDeployJson, printDrift, printDriftJson } from './output/deploy.js';
import { printGen, printJson } from './output/gen.js';
import { printInit } from './output/init.js';
import { printPreCommit } from './output/pre-commit.js';
import { printScan } from './output/scan.js';
import { watchCommand } from './watch.js';

/** What a handler gets: the checked line (with add's NAME), the option values, the path options, and where to print. */
export interface Invocation {
  line: Line & { addName: string | undefined };
  values: Values;
  paths: PathOptions;
  io: Io;
}

/** The last line of every refused commit. */
export const commitAborted =
  "portbook: commit aborted. Fix the above and commit again, or bypass the hook once with `git commit --no-verify` (CI's `portbook check` still catches stale outputs).";

export const handlers: Readonly<Record<Command, (call: Invocation) => number | Promise<number>>> = {
  gen: genCommand,
  check: checkCommand,
  init: ({ values, io }) => printInit(init({ cwd: io.cwd, force: Boolean(values.force), unignoreOutputs: Boolean(values['unignore-outputs']) }), io),
  hook: hookCommand,
  'pre-commit': preCommitCommand,
  next: nextCommand,
  scan: ({ line, values, paths, io }) => {
    const environment = values.env === undefined ? undefined : environmentOption(line, values.env);
    return printScan(
      scan({ ...paths, ...(environment ? { environment } : {}) }),
      { json: values.json === true, strict: values.strict === true, environment },
      io,
    );
  },
  add: addCommand,
  fill: ({ values, paths, io }) => {
    const outcome = fill({ ...paths, ...(values.range !== undefined ? { range: values.range } : {}) });
    printNotes(outcome.notes, io);
    if (outcome.filled.length === 0 && outcome.written === false && outcome.problems.length === 0) {
      io.stdout(`No placeholder ports in ${outcome.displayPath}.\n`);
      return 0;
    }
    const report = outcome.filled
      .map((entry) => `${outcome.displayPath}:${entry.line}: ${visible(entry.service)} (${entry.environment}) → ${entry.port}\n`)
      .join('');
    return printEdit(outcome, report, io);
  },
  'fix-encoding': ({ paths, io }) => {
    const { displayPath, repaired } = fixEncoding(paths);
    io.stdout(repaired ? `Repaired ${displayPath}: it is plain UTF-8 now.\n` : `${displayPath} needs no repair.\n`);
    return 0;
  },
  deploy: ({ line, values, paths, io }) => {
    const planOnly = values.plan === true;
    const result = deploy({ ...hostOptions(line, values, paths), plan: planOnly, force: values.force === true });
    if (values.json) return printDeployJson(result, planOnly, io);
    printDiagnostics(result, io, 'nothing was deployed');
    return result.plan ? printDeploy(result, planOnly, io) : 1;
  },
  drift: ({ line, values, paths, io }) => {
    const result = drift(hostOptions(line, values, paths));
    if (values.json) return printDriftJson(result, io);
    printDiagnostics(result, io, 'the host was not compared');
    return result.report ? printDrift(result, io) : 1;
  },
};

/** What deploy and drift share: the path options, --env and --root. */
function hostOptions(line: Invocation['line'], values: Values, paths: PathOptions): DeployOptions {
  const environment = values.env === undefined ? undefined : environmentOption(line, values.env);
  return { ...paths, ...(environment ? { environment } : {}), ...(values.root !== undefined ? { root: values.root } : {}) };
}

function genCommand({ values, paths, io }: Invocation): number | Promise<number> {
  if (values.watch) return watchCommand(paths, Boolean(values.force), io);
  const options = { ...paths, dryRun: Boolean(values['dry-run']), force: Boolean(values.force) };
  const result = values.stage ? generateAndStage(options) : generate(options);
  if (values.json) return printJson(result, 'gen', io);
  printDiagnostics(result, io, 'nothing was written');
  if (!result.plan) return 1;
  const code = printGen(result, options.dryRun, io);
  if (result.plan.conflicts.length === 0) printIgnoredOutputs(ignoredOutputs(result), io, unignoreAdvice);
  return code;
}

function checkCommand({ values, paths, io }: Invocation): number {
  const result = check(paths);
  if (values.json) return printJson(result, 'check', io);
  printDiagnostics(result, io, 'the outputs were not compared');
  if (!result.plan) return 1;
  return printCheck(result, io, paths);
}

function hookCommand({ line, values, paths, io }: Invocation): number {
  const manager = values.manager === 'none' ? 'githooks' : values.manager;
  if (manager !== undefined && !hookManagers.includes(manager as HookManager)) {
    throw badValue(
      line,
      'manager',
      String(values.manager),
      [...hookManagers, 'none'],
      `unknown --manager \`${values.manager}\`; expected ${hookManagers.join(', ')} (or none, the same as githooks)`,
    );
  }
  const hook = installPreCommitHook({ ...paths, ...(manager ? { manager: manager as HookManager } : {}) });
  io.stdout(
    hook.changed.length > 0
      ? `wired the pre-commit hook (${hook.manager}): ${hook.changed.join(', ')}; ${hook.message}\n`
      : `the pre-commit hook is already wired (${hook.manager})\n`,
  );
  return 0;
}

/** The hook: run it, say what it did; every refusal ends with `commitAborted`. */
function preCommitCommand({ paths, io }: Invocation): number {
  let code: number;
  try {
    code = printPreCommit(preCommit(paths), paths, io);
  } catch (error) {
    code = reportError(error, io);
  }
  if (code !== 0) io.stderr(`${commitAborted}\n`);
  return code;
}

function nextCommand({ line, values, paths, io }: Invocation): number {
  const environment = values.env === undefined ? undefined : environmentOption(line, values.env);
  const found = next({ ...paths, ...(values.range !== undefined ? { range: values.range } : {}), ...(environment ? { environment } : {}) });
  printNotes(found.notes, io);
  io.stdout(values.json ? `${JSON.stringify({ port: found.port, range: found.range, environment: found.environment }, null, 2)}\n` : `${found.port}\n`);
  return 0;
}

function addCommand({ line, values, paths, io }: Invocation): number {
  const { argv, command, addName } = line;
  if (values.protocol === undefined)
    throw usage('add needs --protocol, the service’s protocol (HTTP, WS, TCP, PostgreSQL…), e.g.', command, [...argv, '--protocol', 'HTTP']);
  const environment = values.env === undefined ? undefined : environmentOption(line, values.env);
  if (values.port !== undefined && (!/^\d+$/.test(values.port) || Number(values.port) < 1 || Number(values.port) > 65535)) {
    const given = tokenOf(line, 'port')!;
    throw usage(
      `\`--port\` must be a whole number from 1 to 65535, not \`${values.port}\`; or leave it out to get the next free port`,
      command,
      spliced(argv, given.index, given.count),
    );
  }
  let outcome: AddOutcome;
  try {
    outcome = add({
      ...paths,
      name: addName!,
      protocol: values.protocol,
      ...(values.port !== undefined ? { port: Number(values.port) } : {}),
      ...(values.range !== undefined ? { range: values.range } : {}),
      ...(environment ? { environment } : {}),
      ...(values.description ? { description: values.description } : {}),
    });
  } catch (error) {
    // no default table to add to: one of the named ones, then
    if (error instanceof EnvironmentNeeded) throw usage(error.message, command, error.environments[0] ? [...argv, '--env', error.environments[0]] : undefined);
    throw error;
  }
  printNotes(outcome.notes, io);
  const columns = outcome.columnsAdded.map((column) => ` (and a ${column === 'protocol' ? 'Protocol' : 'Description'} column to its table)`).join('');
  return printEdit(
    outcome,
    `${outcome.displayPath}:${outcome.line}: added ${visible(outcome.service)} (${outcome.environment}) on port ${outcome.port}${columns}\n`,
    io,
  );
}

/** An edit's outcome: the errors it would leave, or what it did and gen's run; a registry put back says so. */
function printEdit(outcome: EditOutcome, report: string, io: Io): number {
  if (!outcome.written) {
    for (const message of outcome.problems) io.stderr(`${formatMessage(message, outcome.displayPath)}\n`);
    io.stderr(`\nThe edit would leave ${count(outcome.problems.length, 'error')} in ${outcome.displayPath}: nothing was written.\n`);
    return 1;
  }
  const { result } = outcome;
  if (!outcome.restored) io.stdout(report);
  printDiagnostics(result, io);
  if (!result.plan) return 1;
  if (result.plan.conflicts.length > 0) {
    const code = printConflicts(result, io);
    io.stderr(`portbook: ${outcome.displayPath} is as it was: the edit waits until gen can write the outputs.\n`);
    return code;
  }
  return printGen(result, false, io);
}

/** Why something was not checked (listening sockets it cannot see): on stderr, the command goes on. */
function printNotes(notes: readonly string[], io: Io): void {
  for (const note of notes) io.stderr(`portbook: ${note}\n`);
}
