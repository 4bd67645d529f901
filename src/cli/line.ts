/**
 * The command line checked against the table (command-table.ts): the
 * command, its arguments and options, or the first usage error (exit 2),
 * which always says what to type instead.
 */
import { environmentSetting } from '../registry/environments.js';
import type { EnvironmentName } from '../registry/types.js';
import { PortbookError } from '../support/errors.js';
import { shellWord } from '../support/shell.js';
import { commandLine, type ParsedArgs, suggestions } from './args.js';
import { type Command, commandNames, commands, commandsOf, globalOptions, optionNamed, optionsOf } from './command-table.js';

/**
 * A usage error (exit 2): what is wrong, what to type instead (`instead`,
 * a corrected command line, when there is one), and where the help is.
 */
export function usage(message: string, command?: Command, instead?: readonly string[]): PortbookError {
  const line = instead ? `\n  ${commandLine(instead)}` : '';
  const help = command
    ? `Run \`portbook ${commands[command].invocation} --help\` for its usage, options and examples.`
    : 'Run `portbook --help` for the commands.';
  return new PortbookError(`${message}${line}\n${help}`, 2);
}

/** `argv` with `count` tokens at `index` replaced by `words`. */
export function spliced(argv: readonly string[], index: number, count: number, ...words: string[]): string[] {
  return [...argv.slice(0, index), ...words, ...argv.slice(index + count)];
}

/** `a`, `a or b`, `a, b or c`. */
function either(words: readonly string[]): string {
  return words.length < 2 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} or ${words.at(-1)!}`;
}

const commandList = (): string => commandNames.map((name) => commands[name].invocation).join(', ');

/** The command `name` names, or a usage error that says what was probably meant. */
export function knownCommand(name: string, argv: readonly string[], index: number): Command {
  if ((commandNames as readonly string[]).includes(name)) return name as Command;
  const near = suggestions(name, [...commandNames, 'help']);
  if (near.length === 1) {
    const meant = near[0]!;
    const words = meant === 'hook' && argv[index + 1] !== 'install' ? ['hook', 'install'] : [meant];
    throw usage(
      `unknown command \`${name}\`; did you mean \`${meant}\`?`,
      meant === 'help' ? undefined : (meant as Command),
      spliced(argv, index, 1, ...words),
    );
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
    return usage(
      `\`${name}\` needs a value, e.g. \`${name} ${shellWord(problem.option.example ?? 'VALUE')}\`${dash}`,
      command,
      spliced(argv, problem.index + 1, 0, problem.option.example ?? 'VALUE'),
    );
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
export interface Values {
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
  root?: string;
  plan?: boolean;
  'dry-run'?: boolean;
  stage?: boolean;
  watch?: boolean;
  force?: boolean;
  'unignore-outputs'?: boolean;
  'no-cache'?: boolean;
  strict?: boolean;
  json?: boolean;
  help?: boolean;
  version?: boolean;
}

/** A command line checked against the table: what the commands below need to name a bad value. */
export interface Line {
  argv: readonly string[];
  parsed: ParsedArgs;
  command: Command;
}

/** The last place `--name` was given. */
export function tokenOf(line: Line, name: string): ParsedArgs['optionTokens'][number] | undefined {
  return line.parsed.optionTokens.filter((given) => given.name === name).at(-1);
}

/** A bad value of `--name` as a usage error: `message` (the values it takes) and the line with the one probably meant. */
export function badValue(line: Line, name: string, value: string, expected: readonly string[], message: string): PortbookError {
  const meant = suggestions(value, expected);
  const given = tokenOf(line, name);
  if (meant.length !== 1 || !given) return usage(message, line.command);
  const replacement = given.count === 2 ? [line.argv[given.index]!, meant[0]!] : [`--${name}=${meant[0]!}`];
  return usage(`${message}; did you mean \`${meant[0]}\`?`, line.command, spliced(line.argv, given.index, given.count, ...replacement));
}

export function environmentOption(line: Line, value: string): EnvironmentName | 'default' {
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
export function checkedLine(parsed: ParsedArgs, argv: readonly string[]): Line & { addName: string | undefined } {
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
