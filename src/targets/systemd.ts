/**
 * systemd: for each service a drop-in (`<unit>.service.d/portbook.conf`) that
 * sets its port variables with `Environment=`, so the unit file itself stays
 * the team's; or, for a service the config's `systemd.services` lists, a full
 * unit (`<unit>.service`, hardened unless the config opts out) and, when its
 * details ask for socket activation, a `<unit>.socket`. Unit names come from
 * the registry's configuration-files list, else the config's `systemd.units`,
 * else the service name in kebab case.
 *
 * A full unit's command is code: its words are checked here (one program by
 * absolute path, printable text, no shell syntax, `${NAME}` only for the
 * variables the unit sets) and quoted here, one word at a time, as
 * systemd.syntax(7) and systemd.service(5) read them back.
 */
import { isIP } from 'node:net';
import { code } from '../diagnostics/report.js';
import { kebab, maxIdentifierLength, portVariable } from '../registry/names.js';
import { portNumber } from '../registry/queries.js';
import type { Registry, Service, ServiceDetails } from '../registry/types.js';
import { PortbookError } from '../support/errors.js';
import { hasLineBreaking } from './comments.js';
import type { FullUnitOptions, Target, TargetOptions } from './target.js';
import type { ServiceView, SystemdUnitView } from './view.js';

/**
 * Whether `value` (without `.service`) is a unit name portbook writes as is:
 * a letter, digit or `_`, then letters, digits and `_.-`, with at most one `@`
 * (a template, `worker@`, or an instance, `worker@1`), at most
 * maxIdentifierLength characters. Narrower than systemd, which also takes `:`
 * and `\`: a unit name is a file name in the repository, and a `:` cannot be
 * checked out on Windows, and `systemd-analyze verify a:b.service` reads it as
 * the file `a` with the alias `b.service`; a leading `-` would be read as an
 * option by the `systemctl` line each file's comment gives.
 */
export function isUnitName(value: string): boolean {
  return /^[A-Za-z0-9_][A-Za-z0-9_.-]*(@[A-Za-z0-9_.-]*)?$/.test(value) && value.length <= maxIdentifierLength;
}

/** `/etc/systemd/system/creator-suite-api.service` → `creator-suite-api`: the unit a path names (checked with isUnitName by its users). */
export function unitFromPath(file: string): string {
  return (file.split('/').at(-1) ?? file).replace(/\.service$/, '');
}

/** A service's unit name (without `.service`): the registry's configuration-files list, else the config file, else kebab case of the name. */
export function unitName(service: Pick<Service, 'name' | 'unitFile'>, configured: Readonly<Record<string, string>>): string {
  const listed = service.unitFile ? unitFromPath(service.unitFile.value) : undefined;
  if (listed !== undefined && isUnitName(listed)) return listed;
  // own properties only: a service called `valueOf` must not find Object.prototype.valueOf
  return Object.hasOwn(configured, service.name.value) ? configured[service.name.value]! : kebab(service.name.value);
}

/** A quoted systemd `Environment=` assignment, `"KEY=value"`, with `%` specifiers escaped. */
export function systemdAssignment(name: unknown, value: unknown): string {
  const key = String(name);
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new Error(`systemdAssignment: refusing variable name ${JSON.stringify(key)}`);
  const text = String(value);
  if (hasLineBreaking.test(text)) {
    throw new Error(`systemdAssignment: refusing ${JSON.stringify(text)}: control characters cannot be quoted for systemd`);
  }
  return `"${key}=${text.replace(/[\\"]/g, '\\$&').replace(/%/g, '%%')}"`;
}

// ---------------------------------------------------------------- the environment a unit sets

/** What the variables a unit sets are made from (a ServiceView has all of it). */
export type UnitEnvironmentSource = Pick<ServiceView, 'variable' | 'port' | 'host' | 'workers' | 'uvicorn'>;

/** The `Environment=` assignments of a service's unit, in the drop-in's order (templates/systemd.conf.hbs writes the same list). */
export function unitEnvironment(service: UnitEnvironmentSource): Array<{ name: string; value: string }> {
  const port = String(service.port);
  const assignments: Array<[string, string]> = [
    [service.variable, port],
    ['PORT', port],
  ];
  if (service.host) assignments.push(['HOST', service.host]);
  if (service.workers) assignments.push(['WEB_CONCURRENCY', String(service.workers)]);
  if (service.uvicorn) {
    if (service.host) assignments.push(['UVICORN_HOST', service.host]);
    assignments.push(['UVICORN_PORT', port]);
    if (service.workers) assignments.push(['UVICORN_WORKERS', String(service.workers)]);
  }
  return assignments.map(([name, value]) => ({ name, value }));
}

/** The details mention uvicorn: its own UVICORN_* variables are set too. */
export function usesUvicorn(details: ServiceDetails | undefined): boolean {
  return (details?.items ?? []).some((item) => /uvicorn/i.test(item.value.text));
}

/** The names of the variables a registry service's unit sets: what its `ExecStart` may name as `${NAME}`. */
export function unitVariables(service: Service): string[] {
  const bind = service.details?.bind?.value;
  return unitEnvironment({
    variable: portVariable(service),
    port: portNumber(service.port) ?? 0,
    ...(bind !== undefined ? { host: bind } : {}),
    ...(service.details?.workers ? { workers: service.details.workers.value } : {}),
    uvicorn: usesUvicorn(service.details),
  }).map(({ name }) => name);
}

// ---------------------------------------------------------------- ExecStart

/** The longest command line portbook writes: a longer one is a mistake or an attack, not a service's command. */
export const maxCommandLength = 2048;

/** Never in a command: control characters, line separators, and the bidi controls that make a command read otherwise than it runs. */
const forbiddenInCommand = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/** Words a shell reads as operators: systemd runs one program, so they would reach it as arguments. */
const shellOperator = /^(;|&|&&|\||\|\||\d*[<>]{1,2}(&\d+)?|<<<?)$/;

/** A normalised absolute path of letters, digits and `_.@+-` (no `.` or `..` part): a program, a working directory, a writable path. */
export function isAbsolutePath(value: string): boolean {
  return /^(\/[A-Za-z0-9_.@+-]+)+$/.test(value) && value.length <= 1024 && !value.split('/').some((part) => part === '.' || part === '..');
}

const tooLong = (length: number): string =>
  `Unexpected ExecStart of ${length} characters, expected at most ${maxCommandLength}: put a long command in a script and run that`;
/** A control character as an escape (`\t`, `\x1b`, `\u202e`): the message shows what is invisible. */
const escaped = (character: string): string => {
  const named: Record<string, string> = { '\t': '\\t', '\n': '\\n', '\r': '\\r' };
  const point = character.codePointAt(0)!;
  return named[character] ?? (point < 0x100 ? `\\x${point.toString(16).padStart(2, '0')}` : `\\u${point.toString(16).padStart(4, '0')}`);
};
const controlCharacter = (character: string): string =>
  `Unexpected control character ${code(escaped(character))} in ExecStart, expected one line of printable text: remove it`;

/** The reference in a command to the value of a variable: `${NAME}`, or a `$` alone. */
const variableReference = /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\})?/g;

/**
 * What is wrong with a command's words, as a diagnostic says it, or
 * `undefined`: one program by absolute path, then arguments of printable
 * text that are not shell operators, `$` only in `${NAME}` where NAME is one
 * of `variables` (any variable name when they are not known yet).
 */
export function commandProblem(words: readonly string[], variables?: readonly string[]): string | undefined {
  const [program, ...rest] = words;
  if (program === undefined) return 'Unexpected empty ExecStart, expected a program and its arguments such as `/usr/bin/node server.js`: write the command';
  const length = words.join(' ').length;
  if (length > maxCommandLength) return tooLong(length);
  for (const word of words) {
    const bad = forbiddenInCommand.exec(word)?.[0];
    if (bad !== undefined) return controlCharacter(bad);
    if (word === '') return 'Unexpected empty argument (`""`) in ExecStart, expected a word: remove it';
  }
  if (!isAbsolutePath(program)) {
    return `Unexpected program ${code(program)} in ExecStart, expected an absolute path such as \`/usr/bin/node\`: write the program's full path (letters, digits and \`/_.@+-\`)`;
  }
  const operator = rest.find((word) => shellOperator.test(word));
  if (operator !== undefined) {
    return `Unexpected ${code(operator)} in ExecStart, expected arguments: systemd runs one program, not a shell; put a pipeline or a second command in a script and run that`;
  }
  for (const word of rest) {
    for (const match of word.matchAll(variableReference)) {
      const name = match[1];
      if (name !== undefined && (variables === undefined || variables.includes(name))) continue;
      const known = variables === undefined ? `\`\${PORT}\`` : variables.map((variable) => `\`\${${variable}}\``).join(', ');
      const shown = name === undefined ? word.slice(match.index, match.index + 12) : match[0];
      return `Unexpected ${code(shown)} in ExecStart, expected only ${known} (the variables this unit sets): systemd would expand anything else from its own environment; write the value out`;
    }
  }
  return undefined;
}

/**
 * A command line as written in a cell or the config: words separated by
 * spaces, `"…"` or `'…'` quoting spaces (nothing is escaped inside), never a
 * backslash; then checked by commandProblem.
 */
export function parseCommand(text: string, variables?: readonly string[]): { words: string[] } | { problem: string } {
  if (text.length > maxCommandLength) return { problem: tooLong(text.length) };
  const bad = forbiddenInCommand.exec(text)?.[0];
  if (bad !== undefined) return { problem: controlCharacter(bad) };
  if (text.includes('\\')) {
    return { problem: 'Unexpected `\\` in ExecStart, expected words without escapes: portbook quotes each word itself; quote a word with spaces in "…"' };
  }
  const words: string[] = [];
  let word: string | undefined;
  let quote: string | undefined;
  for (const char of text) {
    if (quote !== undefined) {
      if (char === quote) quote = undefined;
      else word += char;
    } else if (char === '"' || char === "'") {
      quote = char;
      word ??= '';
    } else if (char === ' ') {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else {
      word = (word ?? '') + char;
    }
  }
  if (quote !== undefined) return { problem: `Unexpected unterminated ${code(quote)} in ExecStart, expected a closing ${code(quote)}: close the quote` };
  if (word !== undefined) words.push(word);
  const problem = commandProblem(words, variables);
  return problem === undefined ? { words } : { problem };
}

/** Words written bare: nothing in them that systemd unquotes, unescapes or expands. */
const bareWord = /^[A-Za-z0-9_./:@,+=-]+$/;

/**
 * One ExecStart word as systemd reads it back: bare from a safe alphabet
 * (with `${NAME}` of `variables`, which systemd expands to one word), else in double quotes with `\` and `"` escaped, `%` as `%%` (no
 * specifiers), and `$` as `$$` unless it starts `${NAME}` of `variables`.
 */
export function execStartWord(word: string, variables: readonly string[]): string {
  const references = word.replace(variableReference, (match: string, name: string | undefined) =>
    name !== undefined && variables.includes(name) ? '' : match,
  );
  if (references === '' || bareWord.test(references)) return word;
  const quoted = word
    .replace(/[\\"]/g, '\\$&')
    .replace(/%/g, '%%')
    .replace(variableReference, (match: string, name: string | undefined) => (name !== undefined && variables.includes(name) ? match : `$$${match.slice(1)}`));
  return `"${quoted}"`;
}

/** The helper templates use: `ExecStart=` of a command's words and the variables it may name, each word checked and quoted. */
export function systemdExecStart(command: unknown, variables: unknown): string {
  const words = Array.isArray(command) && command.every((word) => typeof word === 'string') ? (command as string[]) : undefined;
  const names = Array.isArray(variables) && variables.every((name) => typeof name === 'string') ? (variables as string[]) : undefined;
  if (!words || !names) throw new Error('systemdExecStart: expected a list of words and a list of variable names');
  const problem = commandProblem(words, names);
  if (problem !== undefined) throw new Error(`systemdExecStart: refusing ${JSON.stringify(words)}: ${problem}`);
  return words.map((word) => execStartWord(word, names)).join(' ');
}

/** The helper templates use for a path in a unit (`WorkingDirectory=`, `ReadWritePaths=`): an absolute path from a safe alphabet, or an error. */
export function systemdPath(value: unknown): string {
  const text = String(value);
  if (!isAbsolutePath(text)) throw new Error(`systemdPath: refusing ${JSON.stringify(text)}: not an absolute path of letters, digits and /_.@+-`);
  return text;
}

// ---------------------------------------------------------------- users, sockets, hardening

/** A user or group name systemd and every distribution accept: a letter or `_`, then letters, digits, `_` and `-`, at most 32. */
export function isUserName(value: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_-]{0,31}$/.test(value);
}

/**
 * `ListenStream=` for a service's bind address: `127.0.0.1:8000` when the
 * details give none (where nginx reaches it) or `localhost`, `[::1]:8000` for
 * IPv6, `0.0.0.0:8000` for all interfaces (`*`); `undefined` for a host name,
 * on which a socket cannot listen.
 */
export function socketListen(host: string | undefined, port: number): string | undefined {
  const bare = host === undefined || host === '' || host === 'localhost' ? '127.0.0.1' : host === '*' ? '0.0.0.0' : host.replace(/^\[(.*)\]$/, '$1');
  const family = isIP(bare);
  if (family === 4) return `${bare}:${port}`;
  if (family === 6) return `[${bare}]:${port}`;
  return undefined;
}

/**
 * The hardening profile of a full unit, in the order it is written. What a
 * network service written in Python, Go or Ruby bears; a JIT runtime (Node.js,
 * the JVM) needs `MemoryDenyWriteExecute` left out. Each directive can be left
 * out per service in the config (`"hardening": { "ProtectHome": false }`).
 */
export const hardeningProfile = [
  ['NoNewPrivileges', 'yes'],
  ['ProtectSystem', 'strict'],
  ['ProtectHome', 'yes'],
  ['PrivateTmp', 'yes'],
  ['PrivateDevices', 'yes'],
  ['PrivateMounts', 'yes'],
  ['PrivateUsers', 'yes'],
  ['ProtectKernelTunables', 'yes'],
  ['ProtectKernelModules', 'yes'],
  ['ProtectKernelLogs', 'yes'],
  ['ProtectControlGroups', 'yes'],
  ['ProtectClock', 'yes'],
  ['ProtectHostname', 'yes'],
  ['ProtectProc', 'invisible'],
  ['ProcSubset', 'pid'],
  ['RestrictAddressFamilies', 'AF_UNIX AF_INET AF_INET6'],
  ['RestrictNamespaces', 'yes'],
  ['RestrictRealtime', 'yes'],
  ['RestrictSUIDSGID', 'yes'],
  ['LockPersonality', 'yes'],
  ['MemoryDenyWriteExecute', 'yes'],
  ['RemoveIPC', 'yes'],
  ['SystemCallArchitectures', 'native'],
  ['SystemCallFilter', '@system-service'],
  ['SystemCallFilter', '~@privileged @resources'],
  ['SystemCallErrorNumber', 'EPERM'],
  ['CapabilityBoundingSet', ''],
  ['UMask', '0077'],
] as const;

export type HardeningDirective = (typeof hardeningProfile)[number][0];
/** The profile's directives, each once: what `hardening` in the config may name. */
export const hardeningDirectives: readonly HardeningDirective[] = [...new Set(hardeningProfile.map(([key]) => key))];

/** The capability a service needs to bind a port below 1024 itself (not through a socket unit, not as root). */
const bindCapability = 'CAP_NET_BIND_SERVICE';

/** The profile as a service gets it: without its opt-outs, and letting it bind a port below 1024 when it must. */
function hardeningFor(options: FullUnitOptions, bindsPrivileged: boolean): Array<{ key: string; value: string }> {
  if (!options.hardening) return [];
  return hardeningProfile
    .filter(([key]) => !options.without.includes(key))
    .filter(([key]) => !(bindsPrivileged && key === 'PrivateUsers')) // a capability in a user namespace cannot bind in the host's network
    .map(([key, value]) => ({ key, value: bindsPrivileged && key === 'CapabilityBoundingSet' ? bindCapability : value }));
}

// ---------------------------------------------------------------- full units

/**
 * The full unit of a service the config lists: its command from the config,
 * else from the registry's `ExecStart` detail; a config that cannot be met is
 * a PortbookError naming the config's setting.
 */
export function unitView(service: ServiceView, options: FullUnitOptions, source: string): SystemdUnitView {
  const setting = `the config's \`systemd.services[${JSON.stringify(service.name)}]\``;
  if (service.unit.includes('@')) {
    throw new PortbookError(
      `${setting} asks for a full unit, but ${service.unit} is a template or instance unit: full units are written for plain unit names; keep the drop-in for it, or name another unit in \`systemd.units\``,
    );
  }
  const command = options.execStart ?? service.command;
  if (command === undefined) {
    throw new PortbookError(
      `${setting} asks for a full unit, but gives no \`execStart\` and ${source} gives ${service.name} no \`ExecStart\` detail: add one of them`,
    );
  }
  const environment = unitEnvironment(service);
  const variables = environment.map(({ name }) => name);
  const problem = commandProblem(command, variables);
  if (problem !== undefined) throw new PortbookError(`${setting}: ${problem}`);
  let socket: SystemdUnitView['socket'];
  if (service.socketActivation) {
    const listen = socketListen(service.host, service.port);
    if (listen === undefined) throw new Error(`internal: unvalidated socket bind address for ${service.name}`);
    socket = { listen };
  }
  const bindsPrivileged = service.port < 1024 && !socket && options.user !== 'root';
  return {
    name: service.unit,
    command: [...command],
    variables,
    environment,
    ...(options.user !== undefined ? { user: options.user } : {}),
    ...(options.group !== undefined ? { group: options.group } : {}),
    ...(options.workingDirectory !== undefined ? { workingDirectory: options.workingDirectory } : {}),
    readWritePaths: [...options.readWritePaths],
    ...(bindsPrivileged ? { ambientCapabilities: bindCapability } : {}),
    hardening: hardeningFor(options, bindsPrivileged),
    ...(socket ? { socket } : {}),
  };
}

/** A `systemd.services` entry for a service the registry does not have is a typo: say so. */
function checkFullUnitNames(registry: Registry, options: TargetOptions['systemd'], source: string): void {
  const names = new Set(registry.services.map((service) => service.name.value));
  for (const name of Object.keys(options.services)) {
    if (names.has(name)) continue;
    const near = [...names].find((candidate) => candidate.toLowerCase() === name.toLowerCase());
    throw new PortbookError(
      `the config's \`systemd.services\` names ${JSON.stringify(name)}, but no service in ${source} is called that${near ? `; did you mean ${JSON.stringify(near)}? Fix the name` : ': fix the name'}, or remove the entry`,
    );
  }
}

export const systemd: Target<'systemd'> = {
  id: 'systemd',
  summary:
    '`[Service]` with `Environment=` for the port variable, `PORT`, `HOST` and `WEB_CONCURRENCY` (and `UVICORN_*`); for a service in `systemd.services`, a hardened full unit instead (and a `.socket` for socket activation); unit names are the service name in kebab case unless configured',
  paths:
    '`systemd/<unit>.service.d/portbook.conf`, `systemd/<environment>/<unit>.service.d/portbook.conf`; full units: `systemd/[<environment>/]<unit>.service`, `.socket`',
  byDefault: true,
  template: 'systemd.conf.hbs',
  extraTemplates: ['systemd.service.hbs', 'systemd.socket.hbs'],
  comment: '#',
  helpers: { systemdAssignment, systemdExecStart, systemdPath },
  outputs: ({ model, registry, options }) => {
    const full = options.systemd.services;
    checkFullUnitNames(registry, options.systemd, model.source);
    return model.environments.flatMap((environment) =>
      environment.services.flatMap((service) => {
        const dir = `systemd/${environment.isDefault ? '' : `${environment.key}/`}`;
        const context = { ...model, environment, service };
        const wanted = Object.hasOwn(full, service.name) ? full[service.name] : undefined;
        if (!wanted) return [{ path: `${dir}${service.unit}.service.d/portbook.conf`, context }];
        const unit = unitView(service, wanted, model.source);
        const unitContext = { ...context, unit };
        return [
          { path: `${dir}${unit.name}.service`, template: 'systemd.service.hbs', context: unitContext },
          ...(unit.socket ? [{ path: `${dir}${unit.name}.socket`, template: 'systemd.socket.hbs', context: unitContext }] : []),
        ];
      }),
    );
  },
  install: {
    directory: '/etc/systemd/system',
    // `systemd/[<environment>/]` off: a drop-in keeps its `<unit>.service.d/portbook.conf`, a full unit its name
    place: (output, environment) => {
      const prefix = environment === 'default' ? 'systemd/' : `systemd/${environment}/`;
      const rest = output.startsWith(prefix) ? output.slice(prefix.length) : '';
      return /^[^/]+\.(service|socket)$|^[^/]+\.service\.d\/portbook\.conf$/.test(rest) ? rest : undefined;
    },
    loader: 'systemd',
  },
};
