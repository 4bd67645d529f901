/**
 * The command line: parse flags, call the library, print what a user needs.
 * Exit codes: 0 ok (warnings allowed), 1 registry errors or stale outputs,
 * 2 usage, configuration, template or I/O errors. Never a stack trace for bad input.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createTwoFilesPatch } from 'diff';
import { displayPath, loadConfig, type PathOptions } from './config.js';
import { formatForTerminal, formatMessage, severityOf, sourceLines, toJson } from './diagnostics.js';
import { PortbookError } from './errors.js';
import { version } from './package.js';
import { detectHookManager, installHook, type HookManager } from './hooks.js';
import { environmentSetting } from './environments.js';
import { chooseRange, freePorts, registeredPorts, scan, type ScanEntry } from './ports.js';
import { addServiceRow, fillPlaceholders, hasDefaultTable, placeholders, portsIn, tableEnvironments } from './edit.js';
import { check, diagnose, fixEncoding, generate, loadRegistry, type GenerateResult } from './project.js';
import type { EnvironmentName, Registry } from './registry.js';
import { listeningPorts } from './scan.js';
import { watchInputs } from './watch.js';
import { generateAndStage, init, preCommit, type InitResult, type StagedResult } from './workflow.js';

const hookManagers: readonly HookManager[] = ['husky', 'lefthook', 'simple-git-hooks', 'githooks'];
import { replaceFile, type Change } from './write.js';

export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  cwd: string;
  /** A person reads stderr (a terminal): show the source line under each diagnostic, in colour unless NO_COLOR. */
  tty?: boolean;
}

const processIo: Io = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  cwd: process.cwd(),
  tty: process.stderr.isTTY === true,
};

export { version } from './package.js';
// for bench/parse-only.cjs: the bundle's own reader, to time the floor under a cold gen
export { read } from './read.js';

export const helpText = `portbook ${version}: PORTS.md is the single source of truth for your ports.

Usage:
  portbook gen [options]           render every output from the registry, write what changed
  portbook check [options]         exit 1 if any output on disk differs from what gen would write
                                   (the manifest's record of the inputs aside)
  portbook init [--force]          add portbook to this project: registry, config, gen script, hook
  portbook hook install [--manager M]  wire the pre-commit hook (husky, lefthook, simple-git-hooks,
                                   or githooks, also called none: a committed .githooks/)
  portbook pre-commit [options]    the hook: when the commit touches the registry, a template or
                                   the config, regenerate and stage the outputs that changed
                                   (and the registry, when gen rewrote its diagram block)
                                   and refuses a commit whose registry has unstaged edits
  portbook next [--env E] [--range R]  print a free port: in the range, unregistered, not a common
                                   default, not privileged, not listening here (--json for more)
  portbook scan [--env E] [--json] compare the registry with the TCP ports listening on this machine
  portbook add NAME --protocol P [--port N] [--env E] [--range R] [--description TEXT]
                                   add a row to the environment's table (next free port unless
                                   --port), then regenerate
  portbook fill [--range R]        replace every placeholder port (xxxx, TBD, empty) with distinct
                                   free ports, then regenerate
  portbook fix-encoding [options]  rewrite a double-encoded registry (âœ… for ✅) as plain UTF-8

Options:
  --source FILE     the registry                      (default: docs/PORTS.md)
  --out DIR         where outputs are written         (default: generated)
  --templates DIR   templates that override or add to portbook's own (default: templates)
  --config FILE     settings file                     (default: portbook.config.json, if present)
  --dry-run         gen: print what would change as a diff, write nothing
  --force           gen: overwrite outputs that were edited by hand; init: replace an
                    existing config and gen script (never the registry)
  --stage           gen: git add exactly the outputs that changed (and the registry, when
                    gen rewrote its diagram block and it has no unstaged edits of yours)
  --watch           gen: regenerate on every save until interrupted
  --env ENV         scan, add: the environment (development, staging, production, test,
                    default); next: only echoed by --json, since the port it prints
                    is free in every environment
  --range NAME      next, fill, add: the reserved range to pick from (default: the first declared)
  --protocol P      add: the new service's protocol (HTTP, WS, TCP, PostgreSQL…)
  --port N          add: its port (default: the next free one)
  --description T   add: its description
  --json            gen, check, next, scan: print diagnostics (for check, also the stale
                    files; for next and scan, their answer) as JSON on stdout
  -h, --help        show this help
  -v, --version     show the version

Defaults are relative to the project root: the nearest directory at or above
the working directory with a portbook.config.json, else with a package.json.

Exit codes: 0 ok (warnings allowed), 1 errors in the registry or stale outputs,
2 usage, configuration, template or I/O errors.
`;

const commands = ['gen', 'check', 'fix-encoding', 'init', 'hook', 'pre-commit', 'next', 'scan', 'add', 'fill'] as const;
type Command = (typeof commands)[number];

/**
 * Run the CLI with `argv` (without node and script) and return the exit code;
 * `gen --watch` returns a promise that settles when the watch ends.
 */
export function main(argv: readonly string[], io: Io = processIo): number | Promise<number> {
  try {
    return run(argv, io);
  } catch (error) {
    return reportError(error, io);
  }
}

function reportError(error: unknown, io: Io): number {
  if (error instanceof PortbookError) {
    io.stderr(`portbook: ${error.message}\n`);
    return error.exitCode;
  }
  throw error;
}

function run(argv: readonly string[], io: Io): number | Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        source: { type: 'string' },
        out: { type: 'string' },
        templates: { type: 'string' },
        config: { type: 'string' },
        'dry-run': { type: 'boolean' },
        force: { type: 'boolean' },
        stage: { type: 'boolean' },
        watch: { type: 'boolean' },
        manager: { type: 'string' },
        env: { type: 'string' },
        range: { type: 'string' },
        protocol: { type: 'string' },
        port: { type: 'string' },
        description: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (error) {
    // Node's own wording for an unknown flag ends in advice about `--` with unbalanced quotes
    const unknown = /^Unknown option '([^']+)'/.exec((error as Error).message)?.[1];
    throw usage(unknown ? `unknown option \`${unknown}\`` : (error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.version) {
    io.stdout(`${version}\n`);
    return 0;
  }
  const [name, ...extra] = positionals;
  if (values.help || name === 'help') {
    io.stdout(helpText);
    return 0;
  }
  if (name === undefined) throw usage('missing command');
  if (!commands.includes(name as Command)) throw usage(`unknown command \`${name}\``);
  const command = name as Command;
  const subcommand = command === 'hook' ? extra.shift() : undefined;
  const addName = command === 'add' ? extra.shift() : undefined;
  if (command === 'add' && (addName === undefined || addName.trim() === '')) throw usage('add needs the service name: portbook add "Name" --protocol HTTP');
  if (command === 'hook' && subcommand !== 'install') throw usage(subcommand ? `unknown hook command \`${subcommand}\`; expected \`hook install\`` : 'expected `hook install`');
  if (extra.length > 0) throw usage(`unexpected argument \`${extra[0]}\``);
  for (const [flag, allowed] of [
    ['dry-run', ['gen']],
    ['force', ['gen', 'init']],
    ['stage', ['gen']],
    ['watch', ['gen']],
    ['manager', ['hook']],
    ['env', ['next', 'scan', 'add']],
    ['range', ['next', 'fill', 'add']],
    ['protocol', ['add']],
    ['port', ['add']],
    ['description', ['add']],
    ['json', ['gen', 'check', 'next', 'scan']],
    // init writes its own layout (docs/PORTS.md, generated/, templates/): paths would be silently ignored
    ...(['source', 'out', 'templates', 'config'] as const).map((flag) => [flag, commands.filter((each) => each !== 'init')] as const),
  ] as const) {
    if (values[flag] !== undefined && !(allowed as readonly string[]).includes(command)) {
      throw usage(allowed.length > 4 ? `--${flag} does not go with ${command}` : `--${flag} goes with ${allowed.join(' or ')}`);
    }
  }
  if (values.watch && (values.stage || values['dry-run'] || values.json)) throw usage('--watch does not go with --stage, --dry-run or --json');
  if (command === 'add' && values.port !== undefined && values.range !== undefined) throw usage('--range chooses the port when there is no --port: give one or the other');

  const paths: PathOptions = { cwd: io.cwd };
  for (const key of ['source', 'out', 'templates', 'config'] as const) {
    if (values[key] !== undefined) paths[key] = values[key];
  }

  if (command === 'init') return printInit(init({ cwd: io.cwd, force: Boolean(values.force) }), io);
  if (command === 'hook') {
    const manager = values.manager === 'none' ? 'githooks' : values.manager;
    if (manager !== undefined && !hookManagers.includes(manager as HookManager)) throw usage(`unknown --manager \`${values.manager}\`; expected ${hookManagers.join(', ')} (or none, the same as githooks)`);
    const root = loadConfig(paths).root;
    const hook = installHook(root, (manager as HookManager | undefined) ?? detectHookManager(root));
    io.stdout(hook.changed.length > 0 ? `wired the pre-commit hook (${hook.manager}): ${hook.changed.join(', ')}; ${hook.message}\n` : `the pre-commit hook is already wired (${hook.manager})\n`);
    return 0;
  }
  if (command === 'pre-commit') {
    const { relevant, result } = preCommit(paths);
    if (!relevant || !result) return 0; // quiet when the commit does not touch the registry
    printDiagnostics(result, io);
    if (!result.plan) return 1;
    if (result.plan.conflicts.length > 0) return printConflicts(result, io);
    if (result.staged.length > 0) io.stdout(`portbook: regenerated and staged ${count(result.staged.length, 'file')}\n`);
    printIgnored(result.ignored, io);
    return 0;
  }
  if (command === 'fill' || command === 'add') {
    const { config, registry, displayPath: source, text } = loadRegistry(paths);
    const range = chooseRange(registry, values.range);
    const unavailable = new Set([...registeredPorts(registry), ...listeningOrWarn(io).keys()]);
    let edited: string;
    let report: string;
    if (command === 'fill') {
      const count = placeholders(registry).length;
      if (count === 0) {
        io.stdout(`No placeholder ports in ${source}.\n`);
        return 0;
      }
      const filled = fillPlaceholders(text, registry, freePorts(range, unavailable, count));
      report = filled.filled.map((entry) => `${source}:${entry.line}: ${entry.service} (${entry.environment}) → ${entry.port}\n`).join('');
      edited = filled.text;
    } else {
      if (values.protocol === undefined) throw usage('add needs --protocol, e.g. --protocol HTTP');
      const environment = values.env === undefined ? defaultEnvironmentFor(registry) : environmentOption(values.env);
      let port: number;
      if (values.port !== undefined) {
        if (!/^\d+$/.test(values.port) || Number(values.port) < 1 || Number(values.port) > 65535) throw usage(`--port must be a whole number from 1 to 65535, not \`${values.port}\``);
        port = Number(values.port);
        if (portsIn(registry, environment).has(port)) throw new PortbookError(`Port ${port} is already registered in the ${environment} environment; leave out --port to get a free one`, 1);
      } else {
        [port] = freePorts(range, unavailable, 1) as [number];
      }
      const added = addServiceRow(text, registry, { name: addName!, protocol: values.protocol, port, environment, ...(values.description ? { description: values.description } : {}) });
      report = `${source}:${added.line}: added ${addName} (${environment}) on port ${port}\n`;
      edited = added.text;
    }
    const problems = diagnose(edited, source, config).filter((message) => message.fatal);
    if (problems.length > 0) {
      for (const message of problems) io.stderr(`${formatMessage(message, source)}\n`);
      io.stderr(`\nThe edit would leave ${count(problems.length, 'error')} in ${source}: nothing was written.\n`);
      return 1;
    }
    io.stdout(report);
    replaceFile(config.source, edited);
    const result = generate(paths);
    printDiagnostics(result, io);
    if (!result.plan) return 1;
    if (result.plan.conflicts.length > 0) return printConflicts(result, io);
    return printGen(result, false, io);
  }
  if (command === 'next' || command === 'scan') {
    const environment = values.env === undefined ? undefined : environmentOption(values.env);
    const { registry } = loadRegistry(paths);
    // scan is about listening sockets, so it fails without them; next only uses them to skip busy ports
    const listening = command === 'scan' ? listeningPorts() : listeningOrWarn(io);
    if (command === 'scan') return printScan(scan(registry, listening, environment), values.json === true, io);
    const range = chooseRange(registry, values.range);
    const [port] = freePorts(range, new Set([...registeredPorts(registry), ...listening.keys()]), 1);
    io.stdout(values.json ? `${JSON.stringify({ port, range, environment: environment ?? null }, null, 2)}\n` : `${port}\n`);
    return 0;
  }
  if (values.watch) return watchGen(paths, Boolean(values.force), io);
  if (command === 'fix-encoding') {
    const { displayPath, repaired } = fixEncoding(paths);
    io.stdout(repaired ? `Repaired ${displayPath}: it is plain UTF-8 now.\n` : `${displayPath} needs no repair.\n`);
    return 0;
  }
  const dryRun = command === 'gen' ? Boolean(values['dry-run']) : true;
  const options = { ...paths, dryRun, force: Boolean(values.force) };
  const result = command === 'check' ? check(paths) : values.stage ? generateAndStage(options) : generate(options);
  if (values.json) return printJson(result, command, io);
  printDiagnostics(result, io, command === 'check' ? 'the outputs were not compared' : 'nothing was written');
  if (!result.plan) return 1;
  return command === 'check' ? printCheck(result, io, paths) : printGen(result, dryRun, io);
}

/** `add` without --env: the default environment, when it has a table of its own (see hasDefaultTable). */
function defaultEnvironmentFor(registry: Registry): 'default' {
  if (hasDefaultTable(registry)) return 'default';
  const named = tableEnvironments(registry).filter((name) => name !== 'default');
  throw usage(`the registry has no default-environment table: say which one with ${named.map((name) => `--env ${name}`).join(' or ') || '--env'}`);
}

function listeningOrWarn(io: Io): Map<number, string[]> {
  try {
    return listeningPorts();
  } catch (error) {
    io.stderr(`portbook: ${(error as Error).message}; ports were not checked against listening sockets\n`);
    return new Map();
  }
}

function environmentOption(value: string): EnvironmentName | 'default' {
  const name = environmentSetting(value);
  if (!name) throw usage(`unknown --env \`${value}\`; expected development, staging, production, test or default`);
  return name;
}

function printScan(entries: ScanEntry[], json: boolean, io: Io): number {
  if (json) {
    io.stdout(`${JSON.stringify(entries, null, 2)}\n`);
    return 0;
  }
  const groups: Array<[string, ScanEntry[]]> = [
    ['registered and listening', entries.filter((entry) => entry.service !== null && entry.listening)],
    ['registered but not listening', entries.filter((entry) => entry.service !== null && !entry.listening)],
    ['listening in a reserved range but not registered', entries.filter((entry) => entry.service === null)],
  ];
  for (const [title, list] of groups) {
    io.stdout(`${title} (${list.length}):\n`);
    for (const entry of list) {
      const where = entry.addresses.length > 0 ? ` on ${[...new Set(entry.addresses)].join(', ')}` : '';
      io.stdout(`  ${entry.port}  ${entry.service ?? '?'}${entry.environment ? ` (${entry.environment})` : ''}${where}\n`);
    }
  }
  return 0;
}

function printIgnored(ignored: readonly string[], io: Io): void {
  if (ignored.length === 0) return;
  io.stderr(`portbook: not staged, since .gitignore excludes them: ${ignored.map((file) => displayPath(file, io.cwd)).join(', ')}\n`);
}

function printInit(result: InitResult, io: Io): number {
  for (const line of result.done) io.stdout(`${line}\n`);
  for (const file of result.kept) {
    io.stdout(`kept ${file} (${file === result.registry ? 'your registry: init never replaces it' : 'it exists; `portbook init --force` replaces it'})\n`);
  }
  printDiagnostics(result.generated, io, 'gen wrote no outputs');
  if (result.hookSkipped) io.stderr(`portbook: no pre-commit hook: ${result.hookSkipped}\n`);
  else if (result.hook) io.stdout(`The pre-commit hook regenerates and stages the outputs on every commit that edits the registry; ${result.hook.message}.\n`);
  if (!result.generated.plan) return 1;
  if (result.generated.plan.conflicts.length > 0) return printConflicts(result.generated, io);
  return 0;
}

/** Regenerate on every save; print what happened each time; end (exit 0) on SIGINT or SIGTERM. */
function watchGen(paths: PathOptions, force: boolean, io: Io): Promise<number> {
  const config = loadConfig(paths);
  const once = (): void => {
    try {
      const result = generate({ ...paths, force });
      printDiagnostics(result, io);
      if (!result.plan) io.stderr('portbook: kept the last good outputs; fix the registry and save again\n');
      else if (result.plan.conflicts.length > 0) printConflicts(result, io);
      else printGen(result, false, io);
    } catch (error) {
      reportError(error, io);
    }
  };
  once();
  const templates = `${displayPath(config.templates, io.cwd)}/${existsSync(config.templates) ? '' : ' (once it exists)'}`;
  io.stdout(`watching ${displayPath(config.source, io.cwd)}${config.file ? `, ${displayPath(config.file, io.cwd)}` : ''} and ${templates} (Ctrl-C to stop)\n`);
  const watcher = watchInputs(config, once);
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

function usage(message: string): PortbookError {
  return new PortbookError(`${message}\nRun \`portbook --help\` for usage.`, 2);
}

/** Each diagnostic, then, when there were errors, a count and `consequence` (what the command did not do because of them). */
function printDiagnostics(result: GenerateResult, io: Io, consequence = 'nothing was written'): void {
  const lines = io.tty ? sourceLines(result.source.original) : [];
  for (const message of result.diagnostics) {
    if (!io.tty) {
      io.stderr(`${formatMessage(message, result.displayPath)}\n`);
      continue;
    }
    const shown = { line: message.line, column: message.column, severity: severityOf(message), reason: message.reason, ruleId: message.ruleId };
    io.stderr(formatForTerminal(shown, result.displayPath, lines));
  }
  const errors = result.diagnostics.filter((message) => severityOf(message) === 'error').length;
  const warnings = result.diagnostics.length - errors;
  if (errors > 0) {
    io.stderr(`\n${count(errors, 'error')}${warnings ? `, ${count(warnings, 'warning')}` : ''} in ${result.displayPath}: ${consequence}.\n`);
  }
}

function printJson(result: GenerateResult, command: Command, io: Io): number {
  const diagnostics = result.diagnostics.map((message) => toJson(message, result.displayPath));
  if (command === 'check') {
    const files = [
      ...(result.plan?.changes ?? []).map((change) => ({ path: outPath(result, change.path, io), status: statusOf(change) })),
      ...(result.plan?.conflicts ?? []).map((conflict) => ({ path: outPath(result, conflict.path, io), status: conflict.reason })),
      ...(result.sourceUpdate ? [{ path: result.sourceUpdate.path, status: 'stale' }] : []),
    ];
    io.stdout(`${JSON.stringify({ diagnostics, files }, null, 2)}\n`);
    return !result.plan || files.length > 0 ? 1 : 0;
  }
  // outputs gen must not replace are errors too, reported at the output file
  for (const conflict of result.plan?.conflicts ?? []) {
    diagnostics.push({
      file: outPath(result, conflict.path, io),
      line: null,
      column: null,
      severity: 'error',
      message:
        conflict.reason === 'edited'
          ? 'Edited by hand since portbook wrote it: move the change into the registry or a template, or run `portbook gen --force`'
          : 'Not written by portbook, and portbook never replaces such a file: move or delete it',
      ruleId: conflict.reason === 'edited' ? 'output-edited' : 'output-foreign',
    });
  }
  io.stdout(`${JSON.stringify(diagnostics, null, 2)}\n`);
  return result.plan && result.plan.conflicts.length === 0 ? 0 : 1;
}

function printGen(result: GenerateResult, dryRun: boolean, io: Io): number {
  const planned = result.plan!;
  if (planned.conflicts.length > 0) return printConflicts(result, io);
  if (dryRun) {
    for (const change of planned.changes) io.stdout(diffOf(result, change, io, Infinity));
  }
  const verbs = dryRun
    ? { create: 'would create', update: 'would update', remove: 'would remove' }
    : { create: 'created', update: 'updated', remove: 'removed' };
  // one write, not one per file: a first gen of 2,000 services lists 2,000 files
  const listing = planned.changes.map((change) => `${verbs[change.kind]} ${outPath(result, change.path, io)}\n`).join('');
  if (listing) io.stdout(listing);
  if (result.sourceUpdate) {
    if (dryRun) io.stdout(patchOf(result.sourceUpdate.path, result.sourceUpdate.before, result.sourceUpdate.after, Infinity));
    io.stdout(`${verbs.update} ${result.sourceUpdate.path} (its diagram block)\n`);
  }
  for (const ran of result.commands) io.stdout(`${ran.kind === 'validate' ? 'validated' : 'reloaded'} ${ran.target}: ${ran.command}\n`);
  if ('staged' in result) {
    const staged = result as StagedResult;
    if (staged.staged.length > 0) io.stdout(`staged ${count(staged.staged.length, 'file')}\n`);
    printIgnored(staged.ignored, io);
    if (staged.registryLeft) {
      const name = displayPath(staged.registryLeft.file, io.cwd);
      io.stderr(
        staged.registryLeft.why === 'untracked'
          ? `portbook: not staged: ${name}, whose diagram block gen updated, is not tracked by this repository; \`git add ${name}\` to commit it\n`
          : `portbook: not staged: ${name}, whose diagram block gen updated, also has edits of yours that are not staged; \`git add ${name}\` when you stage them\n`,
      );
    }
  }
  for (const kept of planned.kept) {
    io.stderr(`portbook: kept ${outPath(result, kept, io)}: it is no longer generated but was edited by hand; delete it yourself if it is not needed\n`);
  }
  const out = outPath(result, '', io);
  const total = planned.changes.filter((change) => change.kind !== 'remove').length + planned.unchanged.length;
  if (planned.changes.length === 0 && !result.sourceUpdate) io.stdout(`${out} is up to date (${count(total, 'file')}).\n`);
  return 0;
}

/** Hand-edited or foreign files where outputs go: show them, write nothing, say how to proceed. */
function printConflicts(result: GenerateResult, io: Io): number {
  for (const conflict of result.plan!.conflicts) {
    const name = outPath(result, conflict.path, io);
    if (conflict.reason === 'edited') {
      io.stderr(`portbook: ${name} was edited by hand since portbook wrote it:\n`);
      io.stderr(diffOf(result, { path: conflict.path, kind: 'update', before: conflict.before, after: conflict.after }, io, 20));
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

/** The command that brings the outputs up to date: the same paths check was given (and `--force` over hand edits). */
function fixCommand(paths: PathOptions, force = false): string {
  const flags = (['source', 'out', 'templates', 'config'] as const).flatMap((key) =>
    paths[key] === undefined ? [] : [`--${key}`, /^[\w./:@=+-]+$/.test(paths[key]!) ? paths[key]! : `'${paths[key]!.replace(/'/g, `'\\''`)}'`],
  );
  if (force) flags.unshift('--force');
  return flags.length === 0 ? '`npm run gen` (or `portbook gen`)' : `\`portbook gen ${flags.join(' ')}\``;
}

function printCheck(result: GenerateResult, io: Io, paths: PathOptions): number {
  const planned = result.plan!;
  const stale = [
    ...planned.changes.map((change) => ({ change, status: statusOf(change) as string })),
    ...planned.conflicts.map((conflict) => ({
      change: { path: conflict.path, kind: 'update', before: conflict.before, after: conflict.after } satisfies Change,
      status: conflict.reason,
    })),
  ].sort((a, b) => (a.change.path < b.change.path ? -1 : a.change.path > b.change.path ? 1 : 0));
  const out = outPath(result, '', io);
  const update = result.sourceUpdate;
  if (stale.length === 0 && !update) {
    io.stdout(`${out} is up to date.\n`);
    return 0;
  }
  for (const { change, status } of stale) {
    io.stdout(`${status}: ${outPath(result, change.path, io)}${status === 'foreign' ? ' (not written by portbook)' : status === 'edited' ? ' (by hand, since portbook wrote it)' : ''}\n`);
    io.stdout(diffOf(result, change, io, 20));
  }
  if (update) {
    io.stdout(`stale: ${update.path} (its diagram block)\n`);
    io.stdout(patchOf(update.path, update.before, update.after, 20));
  }
  const what = [stale.length > 0 ? `${count(stale.length, 'file')} out of date in ${out}` : '', update ? `the diagram in ${update.path} is out of date` : ''].filter(Boolean).join(', and ');
  // gen refuses hand edits (without --force) and files it did not write (always): say what it takes instead
  const edited = planned.conflicts.some((conflict) => conflict.reason === 'edited');
  const foreign = planned.conflicts.some((conflict) => conflict.reason === 'foreign');
  const steps = [
    foreign ? 'move or delete the files portbook did not write (it never replaces them)' : '',
    edited ? 'move the hand edits into the registry or a template' : '',
    `run ${fixCommand(paths, edited)}`,
  ].filter(Boolean);
  const advice = `${steps.slice(0, -1).join(', ')}${steps.length > 1 ? ', then ' : ''}${steps.at(-1)!}`;
  io.stdout(`\n${what.charAt(0).toUpperCase()}${what.slice(1)}. ${advice.charAt(0).toUpperCase()}${advice.slice(1)} and commit the result.\n`);
  return 1;
}

function statusOf(change: Change): 'stale' | 'missing' | 'extra' {
  return change.kind === 'update' ? 'stale' : change.kind === 'create' ? 'missing' : 'extra';
}

/** A unified diff of one change, cut after `limit` lines. */
function diffOf(result: GenerateResult, change: Change, io: Io, limit: number): string {
  return patchOf(outPath(result, change.path, io), change.before, change.after, limit);
}

/** A unified diff of a file from `before` to `after` (`undefined`: missing), indented, cut after `limit` lines. */
function patchOf(name: string, before: string | undefined, after: string | undefined, limit: number): string {
  const patch = createTwoFilesPatch(
    before === undefined ? '/dev/null' : `a/${name}`,
    after === undefined ? '/dev/null' : `b/${name}`,
    before ?? '',
    after ?? '',
    undefined,
    undefined,
    { context: 2 },
  );
  const lines = patch.split('\n').slice(1, -1); // drop the `===` line and the final empty one
  const shown = lines.slice(0, limit);
  const more = lines.length - shown.length;
  return shown.map((line) => `  ${line}\n`).join('') + (more > 0 ? `  … ${count(more, 'more line')}\n` : '');
}

function outPath(result: GenerateResult, relative: string, io: Io): string {
  const shown = displayPath(path.join(result.config.out, relative), io.cwd);
  return relative === '' ? (shown === '.' ? './' : `${shown}/`) : shown;
}

function count(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
