/**
 * The command line's one table: every command and every option, what each
 * option means for each command it goes with, and examples. The parser's
 * check of which option goes with which command and every help text are
 * derived from it, so they cannot disagree.
 */
import { version } from '../support/package.js';

export const commandNames = ['gen', 'check', 'init', 'hook', 'pre-commit', 'next', 'scan', 'add', 'fill', 'fix-encoding', 'deploy', 'drift'] as const;
export type Command = (typeof commandNames)[number];

export interface CommandSpec {
  /** As typed: `hook install` for `hook`. */
  invocation: string;
  /** What follows the invocation in the usage line (options in brackets). */
  usage: string;
  /** One line for the global overview. */
  summary: string;
  /** A paragraph for the command's own help. */
  description: string;
  /** Command lines with what each does. */
  examples: ReadonlyArray<readonly [string, string]>;
}

export const commands: Readonly<Record<Command, CommandSpec>> = {
  gen: {
    invocation: 'gen',
    usage: '[--dry-run | --stage | --watch] [--force] [--json] [path options]',
    summary: 'render every output from the registry, write what changed',
    description:
      'Reads the registry, reports what is wrong in it (file:line:column), renders every output and replaces only ' +
      'the files that changed, atomically. Outputs edited by hand are refused (see --force); files portbook did not ' +
      'write are never replaced. Outputs git ignores (and so never commits) are named with the rule that ignores them.',
    examples: [
      ['portbook gen', 'write what changed in generated/'],
      ['portbook gen --dry-run', 'show the diff of what would change, write nothing'],
    ],
  },
  check: {
    invocation: 'check',
    usage: '[--json] [path options]',
    summary: 'exit 1 if an output on disk differs from what gen would write',
    description:
      'Compares the outputs on disk with what gen would write: one line per stale, missing, extra, hand-edited or ' +
      'foreign file, then their diffs (coloured on a terminal; NO_COLOR and FORCE_COLOR are honoured), then the ' +
      'command that fixes them, and the .gitignore rule to change first when git ignores one of them. Writes ' +
      'nothing. The manifest counts only when it is missing or lists other files than gen writes.',
    examples: [
      ['portbook check', 'in CI: fail, with the diff, when someone forgot `portbook gen`'],
      ['portbook check --json', 'every stale file with its status, content before and after, and diff'],
    ],
  },
  init: {
    invocation: 'init',
    usage: '[--force] [--unignore-outputs]',
    summary: 'add portbook to this project: registry, config, gen script, hook',
    description:
      'Run in the project root (it needs a package.json). Creates docs/PORTS.md from an example unless a registry ' +
      'exists (never replaced), portbook.config.json (naming the environment settings use unless PORTBOOK_ENV ' +
      'names another), a "gen" script, runs gen, reports outputs that git ignores (with the rule that ignores ' +
      'each), and wires the pre-commit hook when this is a git repository.',
    examples: [
      ['portbook init', 'adopt portbook in this project'],
      ['portbook init --force', 'also replace an existing config and gen script (never the registry)'],
      ['portbook init --unignore-outputs', 'also add `!/generated/.env`-style lines to .gitignore, so git commits the outputs it ignores'],
    ],
  },
  hook: {
    invocation: 'hook install',
    usage: '[--manager husky|lefthook|simple-git-hooks|githooks|none]',
    summary: 'wire the pre-commit hook (husky, lefthook, simple-git-hooks or .githooks/)',
    description:
      'Wires `portbook pre-commit` into the hook manager the repository uses (detected unless --manager says), or ' +
      'into a committed .githooks/ directory that the prepare script activates for every clone.',
    examples: [
      ['portbook hook install', 'use the hook manager this repository already has'],
      ['portbook hook install --manager lefthook', 'add it to lefthook.yml'],
    ],
  },
  'pre-commit': {
    invocation: 'pre-commit',
    usage: '[path options]',
    summary: 'the hook: regenerate and stage outputs; refuse stale or hand-edited ones',
    description:
      'What the hook runs. When the commit touches the registry, a template or the config, it regenerates and stages ' +
      'the outputs that changed (and the registry, when gen rewrote its diagram or a code sample); it refuses a commit whose ' +
      'inputs have unstaged edits, a `git commit <paths>` of them, and a staged output that differs from what gen ' +
      'renders. Quiet when the commit touches neither inputs nor outputs. Bypass it once with `git commit ' +
      '--no-verify`.',
    examples: [
      ['portbook pre-commit', 'what the hook runs: try it on what is staged'],
      ['git commit --no-verify', 'commit once without the hook (CI’s `portbook check` still runs)'],
    ],
  },
  next: {
    invocation: 'next',
    usage: '[--range NAME] [--env ENV] [--json] [path options]',
    summary: 'print a free port from a reserved range',
    description:
      'Prints the lowest port of the range that no service registers, that is not a common default of other ' +
      'software, not below 1024 and not listening on this machine. With --json, failures print {"error": {"message", ' +
      '"exitCode"}} on stdout too.',
    examples: [
      ['portbook next', 'a free port from the first reserved range'],
      ['portbook next --range bot --json', '{"port": …, "range": …, "environment": null}'],
    ],
  },
  scan: {
    invocation: 'scan',
    usage: '[--env ENV] [--strict] [--json] [path options]',
    summary: 'compare the registry with the TCP ports listening on this machine',
    description:
      'Lists registered services that are listening, those that are not, and listeners inside a reserved range that ' +
      'no service registers, with the process behind them where this machine lets portbook see it (Linux /proc). ' +
      'Exits 0 unless --strict. With --json, failures print {"error": {"message", "exitCode"}} on stdout too.',
    examples: [
      ['portbook scan', 'what listens here, against the registry'],
      ['portbook scan --env production --strict', 'for monitoring: exit 1 on an unregistered listener or a service that is down'],
    ],
  },
  add: {
    invocation: 'add',
    usage: 'NAME --protocol P [--port N | --range NAME] [--env ENV] [--description TEXT] [path options]',
    summary: 'add a service row to the registry, then regenerate',
    description:
      'Adds a row for the service to the environment’s table, on the next free port unless --port gives one, checks that the registry stays valid, writes it and runs gen.',
    examples: [
      ['portbook add "Billing API" --protocol HTTP', 'on the next free port of the default table'],
      ['portbook add Worker --protocol TCP --port 16020 --env production', 'on a port of your choice, in the production table'],
    ],
  },
  fill: {
    invocation: 'fill',
    usage: '[--range NAME] [path options]',
    summary: 'replace placeholder ports (xxxx, TBD, empty) with free ones, then regenerate',
    description: 'Gives every placeholder port in the registry a distinct free port from the range, writes the registry and runs gen.',
    examples: [
      ['portbook fill', 'from the first reserved range'],
      ['portbook fill --range api', 'from the range whose name starts with "api"'],
    ],
  },
  'fix-encoding': {
    invocation: 'fix-encoding',
    usage: '[path options]',
    summary: 'rewrite a double-encoded registry (âœ… for ✅) as plain UTF-8',
    description:
      'Rewrites a registry that was saved through a wrong encoding (gen warns: encoding-mojibake) as the UTF-8 it meant. A registry that needs no repair is left alone.',
    examples: [['portbook fix-encoding', 'repair docs/PORTS.md in place']],
  },
  deploy: {
    invocation: 'deploy',
    usage: '[--env ENV] [--root DIR] [--plan] [--force] [--json] [path options]',
    summary: "install an environment's files (nginx, systemd, env, firewall, kernel, Caddy, Prometheus) on this host, check, reload",
    description:
      'Renders the registry in memory and takes the environment’s files to their places on this host (nginx ' +
      '/etc/nginx/conf.d, units and drop-ins /etc/systemd/system, env files /etc/portbook, and when enabled the ' +
      'sysctl file /etc/sysctl.d, the nftables ruleset /etc/nftables.d, Caddy sites /etc/caddy/portbook, Prometheus ' +
      'rules and targets /etc/prometheus/portbook; the config’s deploy moves them). Before anything is replaced, nginx -T loads the ' +
      'host’s configuration with the new files in place, systemd-analyze verify checks the units whose files ' +
      'change, and the other loaders check theirs; a failure writes nothing. Then each file is replaced ' +
      'atomically, and only what changed is reloaded: systemctl daemon-reload once, try-restart of the units whose ' +
      'files changed, nginx and caddy reloaded once, prometheus when its rules changed, sysctl -p and nft -f of a changed sysctl file and ruleset. If a reload fails, the previous files are put back ' +
      'and reloaded. Files portbook deployed before and no longer renders are removed; files it did not deploy are ' +
      'never touched, nor files edited on the host (unless --force).',
    examples: [
      ['portbook deploy --env production --plan', 'what would be written, checked and run; nothing is done'],
      ['sudo portbook deploy --env production', 'install, check, replace and reload'],
      ['portbook deploy --root /tmp/host --plan', 'against a copy of a host under /tmp/host, not this machine'],
    ],
  },
  drift: {
    invocation: 'drift',
    usage: '[--env ENV] [--root DIR] [--json] [path options]',
    summary: 'exit 1 if the host differs from what the registry says (files, nginx routes, unit ports)',
    description:
      'Compares this host with the registry, reading only: each file deploy installs for the environment (the ' +
      'same, edited on the host, deployed from an older registry, missing, or left behind after its service ' +
      'went); from nginx -T of the host’s configuration, routes to a registered port in a file portbook did not ' +
      'deploy and routes to a local port no table registers; units whose Environment= gives a service another ' +
      'port. Exits 1 on drift.',
    examples: [
      ['portbook drift --env production', 'what differs on this host'],
      ['portbook drift --env production --json', 'the same as data, for monitoring'],
    ],
  },
};

export interface OptionSpec {
  name: string;
  type: 'string' | 'boolean';
  short?: string;
  /** The value's placeholder in help (`FILE`). */
  value?: string;
  /** A value to show when it is missing (`--protocol HTTP`). */
  example?: string;
  /** The commands it goes with, and what it means for each. */
  commands: Partial<Record<Command, string>>;
  /** Why it does not go with a command, when that is not obvious. */
  not?: Partial<Record<Command, string>>;
}

/** Every command but init: init writes its own layout, so paths given to it would be silently ignored. */
const pathCommands = commandNames.filter((name) => name !== 'init');
const forPathCommands = (text: string, except: readonly Command[] = []): Partial<Record<Command, string>> =>
  Object.fromEntries(pathCommands.filter((name) => !except.includes(name)).map((name) => [name, text]));
const initLayout = { init: 'init writes docs/PORTS.md, generated/ and templates/; change the paths in portbook.config.json afterwards' };
/** deploy and drift render in memory and go to the host: an output directory would be ignored. */
const hostCommands: readonly Command[] = ['deploy', 'drift'];
const notOnHost = Object.fromEntries(hostCommands.map((name) => [name, `${name} renders in memory and reads the host; --root moves the host`]));

/** In the order help lists them; the path options last. */
export const options: readonly OptionSpec[] = [
  {
    name: 'dry-run',
    type: 'boolean',
    commands: { gen: 'print what would change as a diff, write nothing' },
    not: { check: 'check never writes: it is a dry run already' },
  },
  {
    name: 'stage',
    type: 'boolean',
    commands: {
      gen: 'git add exactly the outputs that changed (and the registry, when gen rewrote its diagram or a code sample and it has no unstaged edits of yours)',
    },
  },
  { name: 'watch', type: 'boolean', commands: { gen: 'regenerate on every save until interrupted' } },
  {
    name: 'force',
    type: 'boolean',
    commands: {
      gen: 'overwrite outputs that were edited by hand (files portbook did not write are never replaced)',
      init: 'replace an existing config and gen script (never the registry)',
      deploy: 'replace files edited on the host since portbook deployed them (files portbook did not deploy are never replaced)',
    },
  },
  {
    name: 'unignore-outputs',
    type: 'boolean',
    commands: {
      init: 'for each output git ignores (GitHub’s Node .gitignore ignores .env and .env.*), add a negation line such as `!/generated/.env` after the rule that ignores it, so the outputs are committed',
    },
  },
  {
    name: 'manager',
    type: 'string',
    value: 'M',
    example: 'husky',
    commands: { hook: 'husky, lefthook, simple-git-hooks, or githooks (also called none: a committed .githooks/); default: the one the repository uses' },
  },
  {
    name: 'protocol',
    type: 'string',
    value: 'P',
    example: 'HTTP',
    commands: { add: 'the new service’s protocol (HTTP, WS, TCP, PostgreSQL…)' },
  },
  { name: 'port', type: 'string', value: 'N', example: '16020', commands: { add: 'its port (default: the next free one)' } },
  {
    name: 'range',
    type: 'string',
    value: 'NAME',
    example: 'api',
    commands: {
      next: 'the reserved range to pick from, by name or a unique prefix (default: the first declared)',
      fill: 'the reserved range to pick from, by name or a unique prefix (default: the first declared)',
      add: 'the reserved range to pick the port from when there is no --port (default: the first declared)',
    },
  },
  {
    name: 'env',
    type: 'string',
    value: 'ENV',
    example: 'production',
    commands: {
      add: 'the table to add to: development, staging, production, test or default (default: default)',
      scan: 'only this environment’s services (default: all)',
      next: 'only echoed by --json: the port next prints is free in every environment',
      deploy: 'the environment to deploy: development, staging, production, test or default (needed when the registry has more than one)',
      drift: 'the environment to compare: development, staging, production, test or default (needed when the registry has more than one)',
    },
  },
  {
    name: 'root',
    type: 'string',
    value: 'DIR',
    example: '/tmp/host',
    commands: {
      deploy: 'take every host path under DIR instead of / (a copy of a host, for a dry run or a test); a link in it that leads out is refused',
      drift: 'read every host path under DIR instead of /',
    },
  },
  {
    name: 'plan',
    type: 'boolean',
    commands: { deploy: 'compare and check, then print the files it would write or remove and the commands it would run; write and run nothing' },
  },
  { name: 'description', type: 'string', value: 'TEXT', example: 'Billing API', commands: { add: 'its description' } },
  {
    name: 'strict',
    type: 'boolean',
    commands: { scan: 'exit 1 when a listener in a reserved range is not registered, or a registered service is not listening' },
  },
  {
    name: 'json',
    type: 'boolean',
    commands: {
      gen: 'print the diagnostics as a JSON array on stdout; on failure {"error": {message, exitCode}}',
      check:
        'print {diagnostics, files, ignored} on stdout: each stale file with its status, before, after and diff; each output git ignores with its rule; on failure {"error": {message, exitCode}}',
      next: 'print {port, range, environment} on stdout; on failure {"error": {message, exitCode}}',
      scan: 'print the entries (port, service, environment, listening, addresses, process) on stdout; on failure {"error": {message, exitCode}}',
      deploy:
        'print {environment, root, plan, written, files, unchanged, kept, conflicts, checks, commands, ran, rollback, newUnits} on stdout; on failure {"error": {message, exitCode}}',
      drift: 'print {drift, files, routes, units, nginx, notes} on stdout, for monitoring; on failure {"error": {message, exitCode}}',
    },
  },
  {
    name: 'no-cache',
    type: 'boolean',
    commands: Object.fromEntries(
      (['gen', 'check', 'pre-commit', 'next', 'scan', 'add', 'fill', 'deploy', 'drift'] as const).map((name) => [
        name,
        `parse the whole registry, without reading or writing the parse cache (node_modules/.cache/portbook/, else ~/.cache/portbook/)${name === 'gen' || name === 'check' ? ', and never answer from the hashes of an unchanged run' : ''}`,
      ]),
    ),
  },
  {
    name: 'source',
    type: 'string',
    value: 'FILE',
    example: 'docs/PORTS.md',
    commands: forPathCommands('the registry (default: docs/PORTS.md)'),
    not: initLayout,
  },
  {
    name: 'out',
    type: 'string',
    value: 'DIR',
    example: 'generated',
    commands: forPathCommands('where outputs are written (default: generated)', hostCommands),
    not: { ...initLayout, ...notOnHost },
  },
  {
    name: 'templates',
    type: 'string',
    value: 'DIR',
    example: 'templates',
    commands: forPathCommands('templates that override or add to portbook’s own (default: templates)'),
    not: initLayout,
  },
  {
    name: 'config',
    type: 'string',
    value: 'FILE',
    example: 'portbook.config.json',
    commands: forPathCommands('the settings file (default: portbook.config.json, if present)'),
    not: initLayout,
  },
];

/** Options that go with every command. */
export const globalOptions: readonly OptionSpec[] = [
  { name: 'help', type: 'boolean', short: 'h', commands: Object.fromEntries(commandNames.map((name) => [name, 'show this help'])) },
  { name: 'version', type: 'boolean', short: 'v', commands: Object.fromEntries(commandNames.map((name) => [name, 'show the version'])) },
];

export const pathOptionNames: readonly string[] = ['source', 'out', 'templates', 'config'];

export function optionNamed(name: string): OptionSpec | undefined {
  return [...options, ...globalOptions].find((option) => option.name === name);
}

/** The commands an option goes with, in table order. */
export function commandsOf(option: OptionSpec): Command[] {
  return commandNames.filter((name) => option.commands[name] !== undefined);
}

/** The options of `command` (global ones aside), in table order. */
export function optionsOf(command: Command): OptionSpec[] {
  return options.filter((option) => option.commands[command] !== undefined);
}

const optionColumn = 20;

function optionLine(option: OptionSpec, text: string): string {
  const flag = `${option.short ? `-${option.short}, ` : ''}--${option.name}${option.value ? ` ${option.value}` : ''}`;
  const head = `  ${flag}`;
  return `${head.padEnd(optionColumn)}${head.length >= optionColumn ? `\n${' '.repeat(optionColumn)}` : ''}${wrap(text, optionColumn)}`;
}

/** Wrap `text` at 100 columns, continuing lines at `indent`. */
function wrap(text: string, indent: number, width = 100): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && indent + line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  lines.push(line);
  return lines.join(`\n${' '.repeat(indent)}`);
}

/** `portbook <command> --help`: usage, what it does, its options, examples. */
export function commandHelp(command: Command): string {
  const spec = commands[command];
  const own = optionsOf(command).filter((option) => !pathOptionNames.includes(option.name));
  const paths = optionsOf(command).filter((option) => pathOptionNames.includes(option.name));
  const examples = spec.examples.map(([line, what]) => `  ${line}\n      ${what}\n`).join('');
  return [
    `Usage: portbook ${spec.invocation}${spec.usage ? ` ${spec.usage}` : ''}\n`,
    `${wrap(spec.description, 0)}\n`,
    `Options:\n${[...own.map((option) => optionLine(option, option.commands[command]!)), ...globalOptions.map((option) => optionLine(option, option.commands[command]!))].join('\n')}\n`,
    ...(paths.length > 0
      ? [`Path options (relative to the working directory):\n${paths.map((option) => optionLine(option, option.commands[command]!)).join('\n')}\n`]
      : []),
    `Examples:\n${examples}`,
  ].join('\n');
}

/** `portbook --help`: the commands, one line each. */
export function globalHelp(): string {
  const width = Math.max(...commandNames.map((name) => commands[name].invocation.length));
  const list = commandNames.map((name) => `  portbook ${commands[name].invocation.padEnd(width)}  ${commands[name].summary}`).join('\n');
  return `portbook ${version}: PORTS.md is the single source of truth for your ports.

Usage: portbook <command> [options]

Commands:
${list}

Options:
  -h, --help      show this help; after a command, that command's usage, options and examples
  -v, --version   show the version

Run \`portbook <command> --help\` (or \`portbook help <command>\`) for its options and examples.

Defaults are relative to the project root: the nearest directory at or above
the working directory with a portbook.config.json, else with a package.json.

Exit codes: 0 ok (warnings allowed), 1 errors in the registry, stale outputs,
a refused or failed deploy, or drift (drift, scan --strict), 2 usage,
configuration, template or I/O errors; 130 or 143 when SIGINT or SIGTERM came
while files were being written (the write was finished first).
`;
}
