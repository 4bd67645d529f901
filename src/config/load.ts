/**
 * The config file, `portbook.config.json`: the few settings a team needs.
 * Paths in it are relative to the file's directory. Unknown keys are errors,
 * so a typo never silently does nothing.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { asciiHostname } from '../registry/hosts.js';
import { variablePattern } from '../registry/names.js';
import { linuxEphemeralRange } from '../registry/queries.js';
import { PortbookError } from '../support/errors.js';
import { readRegularFile, whyUnreadable } from '../support/regular-file.js';
import { defaultTargetIds, type TargetId, type TargetOptions, targetIds, targets } from '../targets/index.js';
import { defaultEnvironmentVariable } from '../targets/settings-ts.js';
import { commandProblem, hardeningDirectives, isAbsolutePath, isUnitName, isUserName, parseCommand } from '../targets/systemd.js';
import type { FullUnitOptions } from '../targets/target.js';
import { configFileHash } from './inputs.js';

export const configFileName = 'portbook.config.json';
export type { TargetId } from '../targets/index.js';

export interface RenderOptions extends TargetOptions {
  /** `Env` cell names allowed besides `…_PORT` (never a system variable: validate refuses those whatever this says). */
  variables: { allow: readonly string[] };
  /** Targets to render. */
  targets: readonly TargetId[];
  /** Per target: a command that must accept the candidate files before they replace the real ones, and one to run after they changed. */
  commands: Partial<Record<TargetId, TargetCommands>>;
  /** `portbook deploy` and `drift`: where the files go on a host and what runs there. */
  deploy: DeploySettings;
}

/** Where `portbook deploy` puts each target's files on a host, and what it runs there (deploy/ reads it; render does not). */
export interface DeploySettings {
  /** Target id → its host directory, where the config moves it from the target's own (`install.directory`). */
  directories: Partial<Record<TargetId, string>>;
  /** The host's main nginx configuration: what deploy loads, with the candidates in place, to check them. */
  nginxConfig: string;
  /** The ruleset the host's nftables.service loads at boot: deploy notes when it does not include portbook's file. */
  nftablesConfig: string;
  /** The host's main Caddyfile: what deploy checks, with the candidates in place, and what must import them. */
  caddyConfig: string;
  /** The host's prometheus.yml: deploy notes when it does not name portbook's rules and target files. */
  prometheusConfig: string;
  /** This project's name in the files it shares a directory with other projects' (`portbook.<name>.<environment>.conf`); `''`: none. */
  name: string;
  /** What deploy runs after replacing files, as words run without a shell; `{units}` is one word per unit. */
  commands: DeployCommands;
}

export interface DeployCommands {
  daemonReload: readonly string[];
  restart: readonly string[];
  stop: readonly string[];
  /** Starts what `stop` stopped, when a failed deploy puts the old files back. */
  start: readonly string[];
  reloadNginx: readonly string[];
  /** Checks a candidate sysctl file (`{file}`) as the kernel reads it, without changing the host's value. */
  checkSysctl: readonly string[];
  /** Applies the installed sysctl file (`{file}`). */
  applySysctl: readonly string[];
  /** Checks a candidate ruleset (`{file}`) without loading it. */
  checkNftables: readonly string[];
  /** Loads the installed ruleset (`{file}`): it replaces the table inet portbook. */
  applyNftables: readonly string[];
  /** Takes the table away when its file goes (or, on a rollback, when it was new). */
  removeNftables: readonly string[];
  /** Checks a copy of the host's main Caddyfile (`{file}`) with the candidates in place. */
  checkCaddy: readonly string[];
  reloadCaddy: readonly string[];
  /** Checks the candidate rules file (`{file}`). */
  checkPrometheusRules: readonly string[];
  /** Checks a prometheus.yml (`{file}`) whose one job reads the candidate file_sd file. */
  checkPrometheusTargets: readonly string[];
  /** Runs when the rules file changed (Prometheus re-reads file_sd files itself). */
  reloadPrometheus: readonly string[];
}

export interface TargetCommands {
  /** Run on the candidates; `{files}`, `{file}` (once per file), `{dir}` and, for nginx, `{wrapper}` are replaced by quoted paths. */
  validate?: string;
  /** Run after the target's files were replaced, only when they changed. */
  reload?: string;
}

export interface Config extends RenderOptions {
  /** The directory relative paths are resolved against. */
  root: string;
  /** The config file read, if any. */
  file?: string;
  /** The SHA-256 (hex) of the config file's bytes as they were read, for the inputs hash: the file is read once. */
  fileHash?: string;
  source: string;
  out: string;
  templates: string;
}

export const defaultRenderOptions: RenderOptions = {
  targets: defaultTargetIds,
  nginx: {
    certificate: '/etc/letsencrypt/live/{domain}/fullchain.pem',
    certificateKey: '/etc/letsencrypt/live/{domain}/privkey.pem',
    ipv6: true,
    http2: 'listen',
    acmeWebroot: '/var/www/letsencrypt',
    defaultServer: true,
    behindProxy: false,
  },
  systemd: { units: {}, services: {} },
  nftables: { policy: 'accept' },
  sysctl: { ephemeralRange: { ...linuxEphemeralRange } },
  settings: { environmentVariable: defaultEnvironmentVariable },
  commands: {},
  variables: { allow: [] },
  deploy: {
    directories: {},
    nginxConfig: '/etc/nginx/nginx.conf',
    nftablesConfig: '/etc/nftables.conf',
    caddyConfig: '/etc/caddy/Caddyfile',
    prometheusConfig: '/etc/prometheus/prometheus.yml',
    name: '',
    commands: {
      daemonReload: ['systemctl', 'daemon-reload'],
      restart: ['systemctl', 'try-restart', '{units}'],
      stop: ['systemctl', 'stop', '{units}'],
      start: ['systemctl', 'start', '{units}'],
      reloadNginx: ['systemctl', 'reload', 'nginx'],
      // the reserved ports and the rules are per network namespace: a private one, inside a user namespace (-r),
      // checks them without touching the host's and without root on a kernel that allows user namespaces (Debian's
      // and Ubuntu's do)
      checkSysctl: ['unshare', '-rn', 'sysctl', '-p', '{file}'],
      applySysctl: ['sysctl', '-p', '{file}'],
      checkNftables: ['unshare', '-rn', 'nft', '-c', '-f', '{file}'],
      applyNftables: ['nft', '-f', '{file}'],
      removeNftables: ['nft', 'delete', 'table', 'inet', 'portbook'],
      checkCaddy: ['caddy', 'validate', '--adapter', 'caddyfile', '--config', '{file}'],
      reloadCaddy: ['systemctl', 'reload', 'caddy'],
      checkPrometheusRules: ['promtool', 'check', 'rules', '{file}'],
      checkPrometheusTargets: ['promtool', 'check', 'config', '{file}'],
      reloadPrometheus: ['systemctl', 'reload', 'prometheus'],
    },
  },
};

export interface PathOptions {
  source?: string;
  out?: string;
  templates?: string;
  config?: string;
  /** Where relative paths given here are resolved; default `process.cwd()`. */
  cwd?: string;
  /** `false` (`--no-cache`): parse the registry whole, neither reading nor writing the parse cache. */
  cache?: boolean;
}

/**
 * Resolve the config: `--config FILE`, else `portbook.config.json` in the
 * nearest directory at or above `cwd` that has one or a package.json.
 * Flags win over the file; the file wins over the defaults.
 */
export function loadConfig(options: PathOptions = {}): Config {
  const cwd = options.cwd ?? process.cwd();
  let file: string | undefined;
  let root: string;
  if (options.config !== undefined) {
    file = path.resolve(cwd, options.config);
    if (!existsSync(file)) throw new PortbookError(`Cannot read config ${options.config}: no such file`);
    root = path.dirname(file);
  } else {
    root = projectRoot(cwd);
    const candidate = path.join(root, configFileName);
    if (existsSync(candidate)) file = candidate;
  }
  const { value: raw, hash }: { value: Record<string, unknown>; hash?: string } = file ? parseConfigFile(file) : { value: {} };
  const fromFile = (key: 'source' | 'out' | 'templates', fallback: string): string =>
    options[key] !== undefined ? path.resolve(cwd, options[key]!) : path.resolve(root, typeof raw[key] === 'string' ? (raw[key] as string) : fallback);
  const config: Config = {
    root,
    source: fromFile('source', 'docs/PORTS.md'),
    out: fromFile('out', 'generated'),
    templates: fromFile('templates', 'templates'),
    ...renderOptionsFrom(raw, file ?? configFileName),
  };
  // the default directory may well not exist (no overrides, and init writes it into the config); another one named is a typo if it does not
  if (options.templates !== undefined && !existsSync(config.templates)) {
    throw new PortbookError(`Cannot read templates directory ${options.templates}: no such directory`);
  }
  if (
    options.templates === undefined &&
    typeof raw.templates === 'string' &&
    config.templates !== path.resolve(root, 'templates') &&
    !existsSync(config.templates)
  ) {
    throw new PortbookError(`${file}: templates names ${JSON.stringify(raw.templates)}, which does not exist: create it, or fix the path`);
  }
  if (file) config.file = file;
  if (hash) config.fileHash = hash;
  return config;
}

/** The nearest directory at or above `start` holding a config file, else a package.json; `start` if none. */
export function projectRoot(start: string): string {
  // a config file anywhere above wins over a nearer package.json (a package inside a monorepo)
  return nearest(start, configFileName) ?? nearest(start, 'package.json') ?? path.resolve(start);
}

function nearest(start: string, name: string): string | undefined {
  let dir = path.resolve(start);
  for (;;) {
    if (existsSync(path.join(dir, name))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** A path as messages show it: relative to `cwd` (POSIX separators) unless that climbs more than two levels. */
export function displayPath(file: string, cwd: string): string {
  const relative = path.relative(cwd, file);
  if (relative === '') return '.';
  if (path.isAbsolute(relative) || relative.split(path.sep).filter((part) => part === '..').length > 2) return file;
  return relative.split(path.sep).join('/');
}

/** A config is a few settings: 1 MiB is far more than one needs, and bounds what a wrong path makes portbook read. */
const maxConfigBytes = 1024 * 1024;

function parseConfigFile(file: string): { value: Record<string, unknown>; hash: string } {
  let bytes: Buffer;
  try {
    // a regular file only: a FIFO or a device is refused, never waited on
    bytes = readRegularFile(file, { limit: maxConfigBytes });
  } catch (error) {
    throw new PortbookError(`Cannot read config ${file}: ${whyUnreadable(error)}`);
  }
  const text = bytes.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new PortbookError(`${file}: invalid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new PortbookError(`${file}: expected a JSON object`);
  }
  // its line endings do not count (see inputs.ts)
  return { value: value as Record<string, unknown>, hash: configFileHash(bytes) };
}

const fullUnitKeys = ['execStart', 'user', 'group', 'workingDirectory', 'readWritePaths', 'hardening'];

/** `systemd.services`: service name → the full unit it gets. Every value checked here; ExecStart's `${NAME}`s once the unit's variables are known (targets/systemd.ts). */
function fullUnitsFrom(value: unknown, file: string): Record<string, FullUnitOptions> {
  const fail = (key: string, expected: string): never => {
    throw new PortbookError(`${file}: \`${key}\` must be ${expected}`);
  };
  const isObject = (entry: unknown): entry is Record<string, unknown> => typeof entry === 'object' && entry !== null && !Array.isArray(entry);
  if (!isObject(value)) return fail('systemd.services', 'an object: service name → its full unit');
  const units: Record<string, FullUnitOptions> = {};
  for (const [name, entry] of Object.entries(value)) {
    const key = `systemd.services["${name}"]`;
    if (!isObject(entry)) return fail(key, `an object with ${fullUnitKeys.join(', ')} (each optional)`);
    for (const setting of Object.keys(entry)) {
      if (!fullUnitKeys.includes(setting)) throw new PortbookError(`${file}: unknown setting \`${key}.${setting}\`; known: ${fullUnitKeys.join(', ')}`);
    }
    const unit: FullUnitOptions = { readWritePaths: [], hardening: true, without: [] };
    if (entry.execStart !== undefined) unit.execStart = commandFrom(entry.execStart, `${key}.execStart`, file);
    for (const setting of ['user', 'group'] as const) {
      const text = entry[setting];
      if (text === undefined) continue;
      if (typeof text !== 'string' || !isUserName(text))
        fail(`${key}.${setting}`, 'a user or group name (a letter or _, then letters, digits, _ and -; at most 32)');
      unit[setting] = text as string;
    }
    const directory = entry.workingDirectory;
    if (directory !== undefined) {
      if (typeof directory !== 'string' || !isAbsolutePath(directory)) fail(`${key}.workingDirectory`, 'an absolute path of letters, digits and / _ . @ + -');
      unit.workingDirectory = directory as string;
    }
    const writable = entry.readWritePaths;
    if (writable !== undefined) {
      if (!Array.isArray(writable) || !writable.every((path) => typeof path === 'string' && isAbsolutePath(path))) {
        fail(`${key}.readWritePaths`, 'an array of absolute paths of letters, digits and / _ . @ + -');
      }
      unit.readWritePaths = writable as string[];
    }
    Object.assign(unit, hardeningFrom(entry.hardening, `${key}.hardening`, fail));
    units[name] = unit;
  }
  return units;
}

/** ExecStart from the config: one line of words (as in a registry cell) or the words themselves. */
function commandFrom(value: unknown, key: string, file: string): string[] {
  const parsed =
    typeof value === 'string'
      ? parseCommand(value)
      : Array.isArray(value) && value.every((word) => typeof word === 'string')
        ? { words: value as string[] }
        : { problem: 'Unexpected value, expected a command line (a string) or its words (an array of strings)' };
  const problem = 'problem' in parsed ? parsed.problem : commandProblem(parsed.words);
  if (problem !== undefined) throw new PortbookError(`${file}: \`${key}\`: ${problem}`);
  return (parsed as { words: string[] }).words;
}

/** `hardening`: `true` (the default), `false` (none), or the profile's directives to leave out (`{ "ProtectHome": false }`). */
function hardeningFrom(value: unknown, key: string, fail: (key: string, expected: string) => never): Pick<FullUnitOptions, 'hardening' | 'without'> {
  if (value === undefined || typeof value === 'boolean') return { hardening: value !== false, without: [] };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail(key, 'true, false, or an object of directive → false');
  const without: string[] = [];
  for (const [directive, keep] of Object.entries(value)) {
    if (!(hardeningDirectives as readonly string[]).includes(directive)) {
      return fail(`${key}.${directive}`, `one of the profile's directives: ${hardeningDirectives.join(', ')}`);
    }
    if (typeof keep !== 'boolean') return fail(`${key}.${directive}`, 'true or false');
    if (!keep) without.push(directive);
  }
  return { hardening: true, without };
}

/** The targets `portbook deploy` places on a host: those with an install entry. */
const installedTargetIds: readonly TargetId[] = targets.filter((target) => target.install !== undefined).map((target) => target.id);

const knownKeys: Record<string, readonly string[]> = {
  '': ['$schema', 'source', 'out', 'templates', 'targets', 'nginx', 'systemd', 'nftables', 'sysctl', 'settings', 'commands', 'variables', 'deploy'],
  nftables: ['policy'],
  sysctl: ['ephemeralRange'],
  variables: ['allow'],
  nginx: ['certificate', 'certificateKey', 'ipv6', 'http2', 'acmeWebroot', 'defaultServer', 'behindProxy'],
  systemd: ['units', 'services'],
  settings: ['environment', 'environmentVariable', 'paths'],
  'settings.paths': ['ts', 'py'],
  commands: targetIds,
  deploy: [...installedTargetIds, 'name', 'nginxConfig', 'nftablesConfig', 'caddyConfig', 'prometheusConfig', 'commands'],
  'deploy.commands': Object.keys(defaultRenderOptions.deploy.commands),
};

/** An absolute path nginx gets quoted (nginxString): no `$`, no space, no control character. */
const nginxPath = /^\/[A-Za-z0-9_./@+=,:-]*$/;

/** The config's `nginx` settings, checked and merged over the defaults in `into`. */
function nginxOptions(nginx: Record<string, unknown>, into: TargetOptions['nginx'], fail: (key: string, expected: string) => never): void {
  for (const key of ['certificate', 'certificateKey'] as const) {
    const value = nginx[key];
    if (value === undefined) continue;
    if (typeof value !== 'string' || !nginxPath.test(value.replaceAll('{domain}', 'x'))) {
      fail(`nginx.${key}`, 'an absolute path of letters, digits and _ . / - @ + = , : with an optional {domain}');
    }
    into[key] = value as string;
  }
  for (const key of ['ipv6', 'defaultServer'] as const) {
    if (nginx[key] === undefined) continue;
    if (typeof nginx[key] !== 'boolean') fail(`nginx.${key}`, 'true or false');
    into[key] = nginx[key] as boolean;
  }
  if (nginx.http2 !== undefined) {
    if (nginx.http2 !== 'listen' && nginx.http2 !== 'directive' && nginx.http2 !== 'off') {
      fail('nginx.http2', '"listen" (`listen 443 ssl http2;`, any nginx), "directive" (`http2 on;`, nginx 1.25.1 and later) or "off"');
    }
    into.http2 = nginx.http2 as TargetOptions['nginx']['http2'];
  }
  const webroot = nginx.acmeWebroot;
  if (webroot !== undefined) {
    if (webroot !== false && (typeof webroot !== 'string' || webroot === '/' || !nginxPath.test(webroot))) {
      fail('nginx.acmeWebroot', 'false, or an absolute path (not /) of letters, digits and _ . / - @ + = , :');
    }
    into.acmeWebroot = webroot as string | false;
  }
  const proxied = nginx.behindProxy;
  if (proxied !== undefined) {
    const domains = Array.isArray(proxied) && proxied.every((domain) => typeof domain === 'string' && asciiHostname(domain) !== undefined);
    if (typeof proxied !== 'boolean' && !domains)
      fail('nginx.behindProxy', 'true, false, or an array of the domains (as the External Access table names them) behind the proxy');
    into.behindProxy = proxied as boolean | string[];
  }
}

/** The config's `nftables` and `sysctl` settings, checked and merged over the defaults in `into`. */
function firewallOptions(
  nftables: Record<string, unknown>,
  sysctl: Record<string, unknown>,
  into: Pick<TargetOptions, 'nftables' | 'sysctl'>,
  fail: (key: string, expected: string) => never,
): void {
  if (nftables.policy !== undefined) {
    if (nftables.policy !== 'accept' && nftables.policy !== 'drop') {
      fail('nftables.policy', '"accept" (drop only the registered internal ports from outside) or "drop" (accept only the public ports)');
    }
    into.nftables.policy = nftables.policy as 'accept' | 'drop';
  }
  const range = sysctl.ephemeralRange;
  if (range !== undefined) {
    const match = typeof range === 'string' ? /^(\d{1,5})-(\d{1,5})$/.exec(range) : null;
    const [from, to] = match ? [Number(match[1]), Number(match[2])] : [0, 0];
    if (!match || from < 1 || from > to || to > 65535) {
      fail('sysctl.ephemeralRange', 'the host\'s `net.ipv4.ip_local_port_range` as "from-to" with 1 ≤ from ≤ to ≤ 65535 (Linux\'s default: "32768-60999")');
    }
    into.sysctl.ephemeralRange = { from, to };
  }
}

/** Check the parsed file against the schema and merge it over the defaults. */
export function renderOptionsFrom(raw: Record<string, unknown>, file: string): RenderOptions {
  const fail = (key: string, expected: string): never => {
    throw new PortbookError(`${file}: \`${key}\` must be ${expected}`);
  };
  const object = (value: unknown, key: string): Record<string, unknown> => {
    if (value === undefined) return {};
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail(key, 'an object');
    const allowed = knownKeys[key] ?? [];
    for (const name of Object.keys(value)) {
      if (!allowed.includes(name)) {
        const where = key === '' ? name : `${key}.${name}`;
        throw new PortbookError(`${file}: unknown setting \`${where}\`; known: ${allowed.join(', ')}`);
      }
    }
    return value as Record<string, unknown>;
  };
  const string = (value: unknown, key: string): string | undefined => {
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value === '') return fail(key, 'a non-empty string');
    return value;
  };

  const top = object(raw, '');
  for (const key of ['source', 'out', 'templates'] as const) string(top[key], key);
  const options: RenderOptions = structuredClone(defaultRenderOptions) as RenderOptions;

  if (top.targets !== undefined) {
    if (!Array.isArray(top.targets)) fail('targets', `an array of ${targetIds.join(', ')}`);
    for (const target of top.targets as unknown[]) {
      if (!targetIds.includes(target as TargetId)) {
        throw new PortbookError(`${file}: unknown target \`${String(target)}\` in \`targets\`; known: ${targetIds.join(', ')}`);
      }
    }
    options.targets = targetIds.filter((id) => (top.targets as unknown[]).includes(id));
  }

  nginxOptions(object(top.nginx, 'nginx'), options.nginx, fail);

  const systemd = object(top.systemd, 'systemd');
  if (systemd.units !== undefined) {
    const units = systemd.units;
    if (typeof units !== 'object' || units === null || Array.isArray(units)) fail('systemd.units', 'an object');
    for (const [name, unit] of Object.entries(units as Record<string, unknown>)) {
      const value = string(unit, `systemd.units["${name}"]`)!;
      const bare = value.replace(/\.service$/, '');
      if (!isUnitName(bare)) {
        fail(
          `systemd.units["${name}"]`,
          'a unit name of at most 240 letters, digits and _ . - starting with a letter, digit or _ (and one @ for a template or instance; no `:`, which Windows checkouts and systemd-analyze verify cannot take)',
        );
      }
      (options.systemd.units as Record<string, string>)[name] = bare;
    }
  }
  if (systemd.services !== undefined) options.systemd.services = fullUnitsFrom(systemd.services, file);

  firewallOptions(object(top.nftables, 'nftables'), object(top.sysctl, 'sysctl'), options, fail);

  const commands = object(top.commands, 'commands');
  for (const [target, value] of Object.entries(commands)) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(`commands.${target}`, 'an object with validate and/or reload');
    const entry: TargetCommands = {};
    for (const [kind, command] of Object.entries(value as Record<string, unknown>)) {
      if (kind !== 'validate' && kind !== 'reload') throw new PortbookError(`${file}: unknown setting \`commands.${target}.${kind}\`; known: validate, reload`);
      entry[kind] = string(command, `commands.${target}.${kind}`)!;
    }
    options.commands[target as TargetId] = entry;
  }

  const settings = object(top.settings, 'settings');
  const environment = string(settings.environment, 'settings.environment');
  if (environment !== undefined) options.settings.environment = environment;
  const selector = string(settings.environmentVariable, 'settings.environmentVariable');
  if (selector !== undefined) {
    if (!variablePattern.test(selector)) fail('settings.environmentVariable', 'a variable name of upper-case letters, digits and _ (such as PORTBOOK_ENV)');
    options.settings.environmentVariable = selector;
  }
  const paths = object(settings.paths, 'settings.paths');
  for (const [key, extension] of [
    ['ts', '.ts'],
    ['py', '.py'],
  ] as const) {
    const value = string(paths[key], `settings.paths.${key}`);
    if (value === undefined) continue;
    const problem = settingsPathProblem(value, extension);
    if (problem) fail(`settings.paths.${key}`, problem);
    options.settings.paths = { ...options.settings.paths, [key]: value };
  }

  const variables = object(top.variables, 'variables');
  if (variables.allow !== undefined) {
    const allow = variables.allow;
    if (!Array.isArray(allow) || !allow.every((name) => typeof name === 'string' && variablePattern.test(name))) {
      fail('variables.allow', 'an array of variable names (upper-case letters, digits and `_`, not starting with a digit)');
    }
    options.variables.allow = allow as string[];
  }
  const deploy = top.deploy;
  // a target that is never deployed is named as such, not as an unknown key
  const notDeployed = targetIds.find((id) => !installedTargetIds.includes(id) && typeof deploy === 'object' && deploy !== null && Object.hasOwn(deploy, id));
  if (notDeployed)
    throw new PortbookError(
      `${file}: \`deploy.${notDeployed}\`: ${notDeployed} is not deployed (its files stay in the repository); deploy places ${installedTargetIds.join(', ')}`,
    );
  deployOptions(object(deploy, 'deploy'), object((deploy as Record<string, unknown> | undefined)?.commands, 'deploy.commands'), options.deploy, fail);
  return options;
}

/** The config's `deploy` settings, checked and merged over the defaults in `into`. */
function deployOptions(
  deploy: Record<string, unknown>,
  commands: Record<string, unknown>,
  into: DeploySettings,
  fail: (key: string, expected: string) => never,
): void {
  const directory = (key: string): string | undefined => {
    const value = deploy[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value === '/' || !isAbsolutePath(value))
      fail(`deploy.${key}`, 'an absolute path (not /) of letters, digits and / _ . @ + -');
    return value as string;
  };
  for (const id of installedTargetIds) {
    const value = directory(id);
    if (value !== undefined) into.directories[id] = value;
  }
  into.nginxConfig = directory('nginxConfig') ?? into.nginxConfig;
  into.nftablesConfig = directory('nftablesConfig') ?? into.nftablesConfig;
  into.caddyConfig = directory('caddyConfig') ?? into.caddyConfig;
  into.prometheusConfig = directory('prometheusConfig') ?? into.prometheusConfig;
  if (deploy.name !== undefined) {
    if (typeof deploy.name !== 'string' || !/^[a-z0-9][a-z0-9_-]{0,62}$/.test(deploy.name)) {
      fail('deploy.name', 'a name of lower-case letters, digits, _ and - (such as "shop"), at most 63');
    }
    into.name = deploy.name as string;
  }
  for (const [key, value] of Object.entries(commands)) {
    const words = typeof value === 'string' ? value.split(' ').filter((word) => word !== '') : value;
    const setting = `deploy.commands.${key}`;
    if (!Array.isArray(words) || words.length === 0 || !words.every((word) => typeof word === 'string' && word !== '' && !/[\u0000-\u001f]/.test(word))) {
      fail(setting, 'a command line (words separated by spaces, run without a shell) or an array of its words');
    }
    if ((key === 'restart' || key === 'stop' || key === 'start') && !(words as string[]).includes('{units}'))
      fail(setting, 'a command with the word {units}, where the unit names go');
    if (/^(check|apply)/.test(key) && !(words as string[]).includes('{file}')) fail(setting, 'a command with the word {file}, where the file goes');
    (into.commands as unknown as Record<string, readonly string[]>)[key] = words as string[];
  }
}

/**
 * Why a settings file's configured path is refused, if it is: it must stay
 * inside the output directory by its letters (no `..`, no absolute path) and
 * keep its extension; settings.py's name must be one Python can import.
 */
function settingsPathProblem(value: string, extension: '.ts' | '.py'): string | undefined {
  const segments = value.split('/');
  const inside =
    segments.every((segment) => /^[A-Za-z0-9_.-]+$/.test(segment) && segment !== '.' && segment !== '..') &&
    !segments.some((segment) => segment.startsWith('.portbook'));
  if (!inside || !value.endsWith(extension)) {
    return `a path inside the output directory, relative to it, of letters, digits and _ . - separated by /, ending in ${extension} (such as config/settings${extension}): \`${value}\` is not`;
  }
  if (extension === '.py' && !/^[A-Za-z_][A-Za-z0-9_]*\.py$/.test(segments.at(-1)!)) {
    return `a file name Python can import (letters, digits and _, not starting with a digit): \`${segments.at(-1)}\` is not`;
  }
  return undefined;
}
