/**
 * The config file, `portbook.config.json`: the few settings a team needs.
 * Paths in it are relative to the file's directory. Unknown keys are errors,
 * so a typo never silently does nothing.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { PortbookError } from '../support/errors.js';
import { readRegularFile, whyUnreadable } from '../support/regular-file.js';
import { defaultTargetIds, type TargetId, type TargetOptions, targetIds } from '../targets/index.js';
import { isUnitName } from '../targets/systemd.js';
import { withLfBytes } from './inputs.js';

export const configFileName = 'portbook.config.json';
export type { TargetId } from '../targets/index.js';

export interface RenderOptions extends TargetOptions {
  /** Targets to render. */
  targets: readonly TargetId[];
  /** Per target: a command that must accept the candidate files before they replace the real ones, and one to run after they changed. */
  commands: Partial<Record<TargetId, TargetCommands>>;
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
  },
  systemd: { units: {} },
  settings: {},
  commands: {},
};

export interface PathOptions {
  source?: string;
  out?: string;
  templates?: string;
  config?: string;
  /** Where relative paths given here are resolved; default `process.cwd()`. */
  cwd?: string;
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
  return { value: value as Record<string, unknown>, hash: createHash('sha256').update(withLfBytes(bytes)).digest('hex') };
}

const knownKeys: Record<string, readonly string[]> = {
  '': ['$schema', 'source', 'out', 'templates', 'targets', 'nginx', 'systemd', 'settings', 'commands'],
  nginx: ['certificate', 'certificateKey'],
  systemd: ['units'],
  settings: ['environment'],
  commands: targetIds,
};

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

  const nginx = object(top.nginx, 'nginx');
  for (const key of ['certificate', 'certificateKey'] as const) {
    const value = string(nginx[key], `nginx.${key}`);
    if (value === undefined) continue;
    if (!/^[A-Za-z0-9_./{}@+=,:-]+$/.test(value) || !value.startsWith('/')) {
      fail(`nginx.${key}`, 'an absolute path of letters, digits and _ . / - @ + = , : with an optional {domain}');
    }
    options.nginx[key] = value;
  }

  const systemd = object(top.systemd, 'systemd');
  if (systemd.units !== undefined) {
    const units = systemd.units;
    if (typeof units !== 'object' || units === null || Array.isArray(units)) fail('systemd.units', 'an object');
    for (const [name, unit] of Object.entries(units as Record<string, unknown>)) {
      const value = string(unit, `systemd.units["${name}"]`)!;
      const bare = value.replace(/\.service$/, '');
      if (!isUnitName(bare)) {
        fail(`systemd.units["${name}"]`, 'a unit name of letters, digits and : _ . - (and one @ for a template or instance)');
      }
      (options.systemd.units as Record<string, string>)[name] = bare;
    }
  }

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
  return options;
}
