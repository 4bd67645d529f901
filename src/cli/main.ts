/**
 * The command line: parse flags, call the library, print what a user needs.
 * Exit codes: 0 ok (warnings allowed), 1 registry errors or stale outputs,
 * 2 usage, configuration, template or I/O errors. Never a stack trace for bad input.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { commandLine, parseArgs, shellWord, suggestions, type ParsedArgs } from './args.js';
import { commandHelp, commandNames, commands, commandsOf, globalHelp, globalOptions, optionNamed, optionsOf, type Command } from './command-table.js';
import { displayPath, loadConfig, type PathOptions } from '../config/load.js';
import { colorEnabled, formatDiagnostic, formatMessage, sourceLines } from '../diagnostics/format.js';
import { severityOf, toJson } from '../diagnostics/report.js';
import { counts, formatDiff, unifiedDiff } from './diff.js';
import { PortbookError } from '../support/errors.js';
import { version } from '../support/package.js';
import { detectHookManager, installHook, type HookManager } from '../git/hooks.js';
import { environmentSetting } from '../registry/environments.js';
import { chooseRange, freePorts, registeredPorts, scan, scanDrift, scannedPorts, type ScanEntry } from '../edit/ports.js';
import { addServiceRow, fillPlaceholders, hasDefaultTable, placeholders, portsIn, tableEnvironments } from '../edit/table.js';
import { check, diagnose, fixEncoding, generate, loadRegistry, type Built, type GenerateResult } from '../commands/build.js';
import type { EnvironmentName } from '../registry/types.js';
import { byPort, listeners, listeningPorts, processesByPort } from '../host/listening.js';
import { watchInputs } from '../commands/watch.js';
import { generateAndStage, init, preCommit, type InitResult, type PreCommitResult, type StagedResult } from '../commands/workflow.js';
import { manifestName, parseManifest, replaceFile, type Change } from '../write/index.js';

const hookManagers: readonly HookManager[] = ['husky', 'lefthook', 'simple-git-hooks', 'githooks'];

export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  cwd: string;
  /** A person reads stderr (a terminal): show the source line under each diagnostic, in colour (see colorEnabled). */
  tty?: boolean;
  /** stdout is a terminal: colour the diffs (see colorEnabled). */
  stdoutTty?: boolean;
}

const processIo: Io = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  cwd: process.cwd(),
  tty: process.stderr.isTTY === true,
  stdoutTty: process.stdout.isTTY === true,
};

export { version } from '../support/package.js';
export { commandHelp } from './command-table.js';
// for bench/parse-only.cjs: the bundle's own reader, to time the floor under a cold gen
export { read } from '../read/index.js';

/** `portbook --help`: the commands, one line each (each command's options are in `portbook <command> --help`). */
export const helpText = globalHelp();

/** The commands whose --json answers on stdout, errors included. */
const jsonCommands: readonly string[] = ['gen', 'check', 'next', 'scan'];

/** The last line of every refused commit. */
export const commitAborted =
  "portbook: commit aborted. Fix the above and commit again, or bypass the hook once with `git commit --no-verify` (CI's `portbook check` still catches stale outputs).";

/**
 * Run the CLI with `argv` (without node and script) and return the exit code;
 * `gen --watch` returns a promise that settles when the watch ends.
 */
export function main(argv: readonly string[], io: Io = processIo): number | Promise<number> {
  const parsed = parseArgs(argv);
  // a script that parses stdout gets an answer even when the command fails
  const json = parsed.values.json === true && jsonCommands.includes(parsed.positionals[0] ?? '');
  try {
    return run(parsed, argv, io);
  } catch (error) {
    return reportError(error, io, json);
  }
}

/**
 * A PortbookError as the user sees it: its message on stderr (and, for a
 * --json command, `{"error": {"message", "exitCode"}}` on stdout); its exit
 * code. Anything else is a bug: thrown, with its stack.
 */
function reportError(error: unknown, io: Io, json = false): number {
  if (error instanceof PortbookError) {
    io.stderr(`portbook: ${error.message}\n`);
    if (json) io.stdout(`${JSON.stringify({ error: { message: error.message, exitCode: error.exitCode } }, null, 2)}\n`);
    return error.exitCode;
  }
  throw error;
}

/**
 * A usage error (exit 2): what is wrong, what to type instead (`instead`,
 * a corrected command line, when there is one), and where the help is.
 */
function usage(message: string, command?: Command, instead?: readonly string[]): PortbookError {
  const line = instead ? `\n  ${commandLine(instead)}` : '';
  const help = command ? `Run \`portbook ${commands[command].invocation} --help\` for its usage, options and examples.` : 'Run `portbook --help` for the commands.';
  return new PortbookError(`${message}${line}\n${help}`, 2);
}

/** `argv` with `count` tokens at `index` replaced by `words`. */
function spliced(argv: readonly string[], index: number, count: number, ...words: string[]): string[] {
  return [...argv.slice(0, index), ...words, ...argv.slice(index + count)];
}

/** `a`, `a or b`, `a, b or c`. */
function either(words: readonly string[]): string {
  return words.length < 2 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} or ${words.at(-1)!}`;
}

const commandList = (): string => commandNames.map((name) => commands[name].invocation).join(', ');

/** The command `name` names, or a usage error that says what was probably meant. */
function knownCommand(name: string, argv: readonly string[], index: number): Command {
  if ((commandNames as readonly string[]).includes(name)) return name as Command;
  const near = suggestions(name, [...commandNames, 'help']);
  if (near.length === 1) {
    const meant = near[0]!;
    const words = meant === 'hook' && argv[index + 1] !== 'install' ? ['hook', 'install'] : [meant];
    throw usage(`unknown command \`${name}\`; did you mean \`${meant}\`?`, meant === 'help' ? undefined : (meant as Command), spliced(argv, index, 1, ...words));
  }
  if (near.length > 1) throw usage(`unknown command \`${name}\`; did you mean ${either(near.map((each) => `\`${each}\``))}?`);
  throw usage(`unknown command \`${name}\`; the commands are ${commandList()}`);
}

/** The first problem of the command line's options, as a usage error. */
function optionProblem(parsed: ParsedArgs, argv: readonly string[], command: Command | undefined): PortbookError | undefined {
  const problem = parsed.problems[0];
  if (!problem) return undefined;
  if (problem.kind === 'missing-value') {
    const name = `--${problem.option.name}`;
    const dash = problem.next !== undefined ? ` (a value that starts with a dash is written \`${name}=${problem.next}\`)` : '';
    return usage(`\`${name}\` needs a value, e.g. \`${name} ${shellWord(problem.option.example ?? 'VALUE')}\`${dash}`, command, spliced(argv, problem.index + 1, 0, problem.option.example ?? 'VALUE'));
  }
  if (problem.kind === 'unexpected-value') {
    const name = `--${problem.option.name}`;
    return usage(`\`${name}\` is a switch and takes no value`, command, spliced(argv, problem.index, 1, name));
  }
  const typed = problem.flag.replace(/^-+/, '');
  const rest = argv[problem.index]!.slice(problem.flag.length); // `=value`, if any
  const own = [...(command ? optionsOf(command) : []), ...globalOptions].map((option) => option.name);
  const near = suggestions(typed, command ? own : [...own, ...commandNames.flatMap((name) => optionsOf(name).map((option) => option.name))]);
  if (near.length === 1) {
    return usage(`unknown option \`${problem.flag}\`; did you mean \`--${near[0]}\`?`, command, spliced(argv, problem.index, 1, `--${near[0]}${rest}`));
  }
  if (near.length > 1) return usage(`unknown option \`${problem.flag}\`; did you mean ${either(near.map((name) => `\`--${name}\``))}?`, command);
  if (!command) return usage(`unknown option \`${problem.flag}\`; options follow a command, as in \`portbook gen --dry-run\``);
  const listed = optionsOf(command).map((option) => `--${option.name}`);
  const known = listed.length > 0 ? `${command}'s options are ${listed.join(', ')}` : `${command} takes no options but --help`;
  // an option of another command, mistyped: say whose it is
  const elsewhere = suggestions(
    typed,
    [...new Set(commandNames.flatMap((name) => optionsOf(name).map((option) => option.name)))].filter((name) => !own.includes(name)),
  )[0];
  const whose = elsewhere ? `; \`--${elsewhere}\` goes with ${either(commandsOf(optionNamed(elsewhere)!))}, not ${command}` : '';
  return usage(`unknown option \`${problem.flag}\`${whose}; ${known}`, command);
}

/** The options as parseArgs fills them in: strings for the table's string options, `true` for its switches. */
interface Values {
  source?: string;
  out?: string;
  templates?: string;
  config?: string;
  manager?: string;
  env?: string;
  range?: string;
  protocol?: string;
  port?: string;
  description?: string;
  'dry-run'?: boolean;
  stage?: boolean;
  watch?: boolean;
  force?: boolean;
  strict?: boolean;
  json?: boolean;
  help?: boolean;
  version?: boolean;
}

/** A command line checked against the table: what the commands below need to name a bad value. */
interface Line {
  argv: readonly string[];
  parsed: ParsedArgs;
  command: Command;
}

/** The last place `--name` was given. */
function tokenOf(line: Line, name: string): ParsedArgs['optionTokens'][number] | undefined {
  return line.parsed.optionTokens.filter((given) => given.name === name).at(-1);
}

/** A bad value of `--name` as a usage error: `message` (the values it takes) and the line with the one probably meant. */
function badValue(line: Line, name: string, value: string, expected: readonly string[], message: string): PortbookError {
  const meant = suggestions(value, expected);
  const given = tokenOf(line, name);
  if (meant.length !== 1 || !given) return usage(message, line.command);
  const replacement = given.count === 2 ? [line.argv[given.index]!, meant[0]!] : [`--${name}=${meant[0]!}`];
  return usage(`${message}; did you mean \`${meant[0]}\`?`, line.command, spliced(line.argv, given.index, given.count, ...replacement));
}

function environmentOption(line: Line, value: string): EnvironmentName | 'default' {
  const name = environmentSetting(value);
  // the short names count as what was meant too: `prdo` is one edit from `prod`
  const spellings = ['development', 'dev', 'staging', 'stage', 'production', 'prod', 'test', 'default'];
  if (!name) throw badValue(line, 'env', value, spellings, `unknown --env \`${value}\`; expected development, staging, production, test or default`);
  return name;
}

/**
 * The command line against the table: the command and add's NAME, or the
 * first usage error (unknown command, unknown option or missing value, a
 * stray argument, an option that goes with other commands, a combination
 * that cannot be).
 */
function checkedLine(parsed: ParsedArgs, argv: readonly string[]): Line & { addName: string | undefined } {
  const { positionals, positionalIndex } = parsed;
  const values = parsed.values as Values;
  const [first, ...extra] = positionals;
  const known = first === undefined ? undefined : knownCommand(first, argv, positionalIndex[0]!);
  const problem = optionProblem(parsed, argv, known);
  if (problem) throw problem;
  if (known === undefined) throw usage('missing command; to render the outputs from the registry, type', undefined, ['gen', ...argv]);
  const command = known;
  const commandIndex = positionalIndex[0]!;
  const subcommand = command === 'hook' ? extra.shift() : undefined;
  const addName = command === 'add' ? extra.shift() : undefined;
  if (command === 'hook' && subcommand !== 'install') {
    if (subcommand === undefined) throw usage('`hook` needs `install`', command, spliced(argv, commandIndex + 1, 0, 'install'));
    const meant = suggestions(subcommand, ['install']).length > 0 ? '; did you mean `install`?' : '; the only one is `hook install`';
    throw usage(`unknown hook command \`${subcommand}\`${meant}`, command, spliced(argv, positionalIndex[1]!, 1, 'install'));
  }
  if (command === 'add' && (addName === undefined || addName.trim() === '')) {
    const at = addName === undefined ? commandIndex + 1 : positionalIndex[1]!;
    throw usage('add needs the service’s name first, e.g.', command, spliced(argv, at, addName === undefined ? 0 : 1, 'Billing API'));
  }
  if (extra.length > 0) {
    if (command === 'add') {
      // `portbook add Billing API --protocol HTTP`: a name with a space, unquoted
      const [nameAt, ...extraAt] = positionalIndex.slice(1);
      const joined = argv.filter((_, index) => !extraAt.includes(index)).map((word, index) => (index === nameAt ? [addName!, ...extra].join(' ') : word));
      throw usage(`unexpected argument \`${extra[0]}\`: add takes one NAME; quote a name with spaces`, command, joined);
    }
    const at = positionalIndex[positionals.length - extra.length]!;
    throw usage(`unexpected argument \`${extra[0]}\`: \`portbook ${commands[command].invocation}\` takes none`, command, spliced(argv, at, 1));
  }
  for (const given of parsed.optionTokens) {
    const option = optionNamed(given.name)!;
    if (option.commands[command] !== undefined) continue;
    const why = option.not?.[command] ? ` (${option.not[command]})` : '';
    const goes = commandsOf(option);
    const whose = goes.length === commandNames.length - 1 ? 'every command but' : `${either(goes)}, not`;
    throw usage(`\`--${option.name}\` goes with ${whose} ${command}${why}; leave it out`, command, spliced(argv, given.index, given.count));
  }
  if (values.watch && (values.stage || values['dry-run'] || values.json)) {
    const dropped = argv.filter((_, index) => !parsed.optionTokens.some((given) => ['stage', 'dry-run', 'json'].includes(given.name) && given.index === index));
    throw usage('`--watch` does not go with --stage, --dry-run or --json', command, dropped);
  }
  const line = { argv, parsed, command, addName };
  if (command === 'add' && values.port !== undefined && values.range !== undefined) {
    const range = tokenOf(line, 'range')!;
    throw usage('`--range` picks the port when there is no --port: give one or the other', command, spliced(argv, range.index, range.count));
  }
  return line;
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
  const { command, addName } = line;

  const paths: PathOptions = { cwd: io.cwd };
  for (const key of ['source', 'out', 'templates', 'config'] as const) {
    if (values[key] !== undefined) paths[key] = values[key];
  }

  if (command === 'init') return printInit(init({ cwd: io.cwd, force: Boolean(values.force) }), io);
  if (command === 'hook') {
    const manager = values.manager === 'none' ? 'githooks' : values.manager;
    if (manager !== undefined && !hookManagers.includes(manager as HookManager)) {
      throw badValue(line, 'manager', String(values.manager), [...hookManagers, 'none'], `unknown --manager \`${values.manager}\`; expected ${hookManagers.join(', ')} (or none, the same as githooks)`);
    }
    const root = loadConfig(paths).root;
    const hook = installHook(root, (manager as HookManager | undefined) ?? detectHookManager(root));
    io.stdout(hook.changed.length > 0 ? `wired the pre-commit hook (${hook.manager}): ${hook.changed.join(', ')}; ${hook.message}\n` : `the pre-commit hook is already wired (${hook.manager})\n`);
    return 0;
  }
  if (command === 'pre-commit') return preCommitCommand(paths, io);
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
      if (values.protocol === undefined) throw usage('add needs --protocol, the service’s protocol (HTTP, WS, TCP, PostgreSQL…), e.g.', command, [...argv, '--protocol', 'HTTP']);
      let environment: EnvironmentName | 'default';
      if (values.env !== undefined) environment = environmentOption(line, values.env);
      else if (hasDefaultTable(registry)) environment = 'default';
      else {
        // no default table to add to: one of the named ones, then
        const named = tableEnvironments(registry).filter((name) => name !== 'default');
        throw usage(`the registry has no default-environment table: say which one with ${named.map((name) => `--env ${name}`).join(' or ') || '--env'}`, command, named[0] ? [...argv, '--env', named[0]] : undefined);
      }
      let port: number;
      if (values.port !== undefined) {
        if (!/^\d+$/.test(values.port) || Number(values.port) < 1 || Number(values.port) > 65535) {
          const given = tokenOf(line, 'port')!;
          throw usage(`\`--port\` must be a whole number from 1 to 65535, not \`${values.port}\`; or leave it out to get the next free port`, command, spliced(argv, given.index, given.count));
        }
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
  if (command === 'next') {
    const environment = values.env === undefined ? undefined : environmentOption(line, values.env);
    const { registry } = loadRegistry(paths);
    const range = chooseRange(registry, values.range);
    // listening sockets only rule out busy ports: without them, next still answers
    const [port] = freePorts(range, new Set([...registeredPorts(registry), ...listeningOrWarn(io).keys()]), 1);
    io.stdout(values.json ? `${JSON.stringify({ port, range, environment: environment ?? null }, null, 2)}\n` : `${port}\n`);
    return 0;
  }
  if (command === 'scan') {
    const environment = values.env === undefined ? undefined : environmentOption(line, values.env);
    const { registry } = loadRegistry(paths);
    // scan is about listening sockets: it fails without them
    const found = listeners();
    const listening = byPort(found);
    const entries = scan(registry, listening, environment, processesByPort(found, scannedPorts(registry, listening)));
    return printScan(entries, { json: values.json === true, strict: values.strict === true, environment }, io);
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

function listeningOrWarn(io: Io): Map<number, string[]> {
  try {
    return listeningPorts();
  } catch (error) {
    io.stderr(`portbook: ${(error as Error).message}; ports were not checked against listening sockets\n`);
    return new Map();
  }
}

/**
 * The three groups, the process behind each unregistered listener; with
 * `strict`, exit 1 (and say why) when a registered service is not
 * listening or a listener in a reserved range is not registered.
 */
function printScan(entries: ScanEntry[], options: { json: boolean; strict: boolean; environment: string | undefined }, io: Io): number {
  const { down, unregistered } = scanDrift(entries);
  const failed = options.strict && down.length + unregistered.length > 0;
  const why = [
    down.length > 0 ? `${count(down.length, 'registered service')} ${down.length === 1 ? 'is' : 'are'} not listening${options.environment ? ` (${options.environment})` : ''}` : '',
    unregistered.length > 0 ? `${count(unregistered.length, 'listener')} in a reserved range ${unregistered.length === 1 ? 'is' : 'are'} not registered` : '',
  ].filter(Boolean);
  const verdict = `scan --strict fails: ${why.join(', and ')}.`;
  if (options.json) {
    io.stdout(`${JSON.stringify(entries, null, 2)}\n`);
    if (failed) io.stderr(`portbook: ${verdict}\n`);
    return failed ? 1 : 0;
  }
  const groups: Array<[string, ScanEntry[]]> = [
    ['registered and listening', entries.filter((entry) => entry.service !== null && entry.listening)],
    ['registered but not listening', down],
    ['listening in a reserved range but not registered', unregistered],
  ];
  for (const [title, list] of groups) {
    io.stdout(`${title} (${list.length}):\n`);
    for (const entry of list) {
      const where = entry.addresses.length > 0 ? ` on ${[...new Set(entry.addresses)].join(', ')}` : '';
      const who = entry.service === null && entry.process ? ` ${entry.process.name} (pid ${entry.process.pid})` : '';
      io.stdout(`  ${entry.port}  ${entry.service ?? '?'}${who}${entry.environment ? ` (${entry.environment})` : ''}${where}\n`);
    }
  }
  if (failed) io.stdout(`\n${verdict} Register the listeners (\`portbook add\`) or stop them, and start the services or take them out of the registry.\n`);
  return failed ? 1 : 0;
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

/** The hook: run it, say what it did; every refusal ends with `commitAborted`. */
function preCommitCommand(paths: PathOptions, io: Io): number {
  let code: number;
  try {
    code = printPreCommit(preCommit(paths), paths, io);
  } catch (error) {
    code = reportError(error, io);
  }
  if (code !== 0) io.stderr(`${commitAborted}\n`);
  return code;
}

function printPreCommit(outcome: PreCommitResult, paths: PathOptions, io: Io): number {
  const { relevant, result, built, mismatched } = outcome;
  if (!relevant) return 0; // quiet when the commit touches neither inputs nor outputs
  if (result) {
    printDiagnostics(result, io);
    if (!result.plan) return 1;
    if (result.plan.conflicts.length > 0) return printConflicts(result, io);
    if (result.staged.length > 0) io.stdout(`portbook: regenerated and staged ${count(result.staged.length, 'file')}\n`);
    printIgnored(result.ignored, io);
  } else if (built && !built.files) {
    // outputs only: warnings belong to the commit that edits the registry; errors stop this one
    printDiagnostics(built, io, 'the staged outputs were not checked against it');
    return 1;
  }
  if (mismatched.length === 0) return 0;
  const config = (result ?? built)!.config;
  const color = colorEnabled(io.tty === true);
  const names: string[] = [];
  for (const output of mismatched) {
    const name = displayPath(path.join(config.out, output.path), io.cwd);
    names.push(name);
    io.stderr(
      output.staged === undefined
        ? `portbook: ${name} is deleted in this commit, but gen writes it.\n`
        : `portbook: ${name} is staged with content gen would not write (edited by hand, or staged without its registry):\n`,
    );
    if (output.staged !== undefined && output.path !== manifestName) io.stderr(formatDiff(unifiedDiff(name, output.staged, output.rendered), 20, color));
  }
  const restore = mismatched.some((output) => output.worktree === 'edited') ? fixCommand(paths, true) : mismatched.some((output) => output.worktree === 'other') ? fixCommand(paths) : '';
  const add = `\`git add ${names.map(shellWord).join(' ')}\``;
  io.stderr(
    `\nTo commit what gen writes, ${restore ? `run ${restore} to restore ${mismatched.length === 1 ? 'it' : 'them'}, then ${add}` : `run ${add}: the work tree already holds it`}. To keep a change, move it into the registry or a template, run ${fixCommand(paths)}, then ${add}.\n`,
  );
  return 1;
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

/** Each diagnostic, then, when there were errors, a count and `consequence` (what the command did not do because of them). */
function printDiagnostics(result: Built, io: Io, consequence = 'nothing was written'): void {
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

/** A file check reports, with its content before and after (`undefined`: missing). */
interface StaleFile {
  relative: string;
  status: 'stale' | 'missing' | 'extra' | 'edited' | 'foreign';
  before: string | undefined;
  after: string | undefined;
}

/** Every output check or gen --json reports, by path. */
function staleFiles(result: GenerateResult): StaleFile[] {
  const planned = result.plan!;
  return [
    ...planned.changes.map((change) => ({ relative: change.path, status: statusOf(change), before: change.before, after: change.after })),
    ...planned.conflicts.map((conflict) => ({ relative: conflict.path, status: conflict.reason, before: conflict.before as string | undefined, after: conflict.after as string | undefined })),
  ].sort((a, b) => (a.relative < b.relative ? -1 : a.relative > b.relative ? 1 : 0));
}

/** The whole patch, stamps included: --json keeps every byte. */
function fullPatch(name: string, before: string | undefined, after: string | undefined): string {
  const { lines } = unifiedDiff(name, before, after, false);
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

function printJson(result: GenerateResult, command: Command, io: Io): number {
  const diagnostics = result.diagnostics.map((message) => toJson(message, result.displayPath));
  if (command === 'check') {
    const files = [
      ...(result.plan ? staleFiles(result) : []).map((file) => {
        const name = outPath(result, file.relative, io);
        return { path: name, status: file.status, before: file.before ?? null, after: file.after ?? null, diff: fullPatch(name, file.before, file.after) };
      }),
      ...(result.sourceUpdate
        ? [{ path: result.sourceUpdate.path, status: 'stale', before: result.sourceUpdate.before, after: result.sourceUpdate.after, diff: fullPatch(result.sourceUpdate.path, result.sourceUpdate.before, result.sourceUpdate.after) }]
        : []),
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
  const color = colorEnabled(io.stdoutTty === true);
  if (dryRun) {
    // the manifest's diff is hashes: bookkeeping, listed below but not shown
    for (const change of planned.changes) {
      if (change.path !== manifestName) io.stdout(formatDiff(unifiedDiff(outPath(result, change.path, io), change.before, change.after), Infinity, color));
    }
  }
  const verbs = dryRun
    ? { create: 'would create', update: 'would update', remove: 'would remove' }
    : { create: 'created', update: 'updated', remove: 'removed' };
  // one write, not one per file: a first gen of 2,000 services lists 2,000 files
  const listing = planned.changes.map((change) => `${verbs[change.kind]} ${outPath(result, change.path, io)}\n`).join('');
  if (listing) io.stdout(listing);
  if (result.sourceUpdate) {
    if (dryRun) io.stdout(formatDiff(unifiedDiff(result.sourceUpdate.path, result.sourceUpdate.before, result.sourceUpdate.after), Infinity, color));
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

/** The command that brings the outputs up to date: the same paths check was given (and `--force` over hand edits). */
function fixCommand(paths: PathOptions, force = false): string {
  const flags = (['source', 'out', 'templates', 'config'] as const).flatMap((key) => (paths[key] === undefined ? [] : [`--${key}`, shellWord(paths[key]!)]));
  if (force) flags.unshift('--force');
  return flags.length === 0 && !force ? '`npm run gen` (or `portbook gen`)' : `\`portbook gen ${flags.join(' ')}\``;
}

/**
 * Why the manifest is worth a line, or `undefined` when it is not: it is
 * bookkeeping, so only a missing one, one that lists other files, or one
 * whose record is the only thing out of date gets a line (`others`: how
 * many other files are stale). Never a diff: it is hashes.
 */
function manifestNote(file: StaleFile, others: number): string | undefined {
  if (file.status === 'missing') return 'gen needs it to know which outputs are its own';
  const names = (text: string | undefined): string | undefined => {
    const files = text === undefined ? undefined : parseManifest(text)?.files;
    return files && JSON.stringify(Object.keys(files).sort());
  };
  if (names(file.before) === undefined) return 'it cannot be read';
  if (names(file.before) !== names(file.after)) return 'it lists other files than gen writes';
  return others === 0 ? 'its record of the outputs’ hashes is out of date' : undefined;
}

function printCheck(result: GenerateResult, io: Io, paths: PathOptions): number {
  const planned = result.plan!;
  const all = staleFiles(result);
  const manifest = all.find((file) => file.relative === manifestName);
  const others = all.filter((file) => file !== manifest);
  const note = manifest && manifestNote(manifest, others.length);
  const out = outPath(result, '', io);
  const update = result.sourceUpdate;
  if (others.length === 0 && note === undefined && !update) {
    io.stdout(`${out} is up to date.\n`);
    return 0;
  }
  const color = colorEnabled(io.stdoutTty === true);
  const why = { stale: '', missing: '', extra: 'no longer generated', edited: 'by hand, since portbook wrote it', foreign: 'not written by portbook' };
  const summary: string[] = [];
  const diffs: string[] = [];
  for (const file of others) {
    const name = outPath(result, file.relative, io);
    const diff = unifiedDiff(name, file.before, file.after);
    const stampOnly = diff.lines.length === 0 && file.before !== file.after ? 'only its portbook:sha256 stamp differs' : '';
    const notes = [why[file.status], file.status === 'foreign' ? '' : counts(diff).trim().slice(1, -1), stampOnly].filter(Boolean);
    summary.push(`${file.status}: ${name}${notes.length > 0 ? ` (${notes.join('; ')})` : ''}\n`);
    // a missing or extra file's diff is the whole file, a foreign one's is not portbook's: the line says enough
    if (file.status === 'stale' || file.status === 'edited') diffs.push(formatDiff(diff, 20, color));
  }
  if (manifest && note !== undefined) summary.push(`${manifest.status}: ${outPath(result, manifest.relative, io)} (${note})\n`);
  if (update) {
    const diff = unifiedDiff(update.path, update.before, update.after);
    summary.push(`stale: ${update.path} (its diagram block${counts(diff) ? `; ${counts(diff).trim().slice(1, -1)}` : ''})\n`);
    diffs.push(formatDiff(diff, 20, color));
  }
  const files = others.length + (note === undefined ? 0 : 1);
  io.stdout(summary.join('') + (diffs.length > 0 ? `\n${diffs.join('')}` : ''));
  const what = [files > 0 ? `${count(files, 'file')} out of date in ${out}` : '', update ? `the diagram in ${update.path} is out of date` : ''].filter(Boolean).join(', and ');
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

function outPath(result: Built, relative: string, io: Io): string {
  const shown = displayPath(path.join(result.config.out, relative), io.cwd);
  return relative === '' ? (shown === '.' ? './' : `${shown}/`) : shown;
}

function count(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
