/**
 * systemd on the host: which unit a file portbook deploys belongs to, the
 * unit directories and the files that make up a unit, `systemd-analyze verify`
 * on a copy of the units with the candidates in place, the `Environment=`
 * settings of a unit's files, and the units that read an environment file.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RenderOptions } from '../config/load.js';
import { copyHostTree, hostPathOf, isHostDirectory, listHost, readHost } from './host.js';
import { installDirectory } from './install.js';
import { makeScratch, needConsumer, type Ran, runProgram } from './run.js';

/** What a file in the unit directory is: a unit (`api.service`, `api.socket`) or a drop-in of one (`api.service.d/portbook.conf`). */
export function unitOf(relative: string): { unit: string; dropIn: boolean } | undefined {
  const dropIn = /^([^/]+\.service)\.d\/[^/]+\.conf$/.exec(relative);
  if (dropIn) return { unit: dropIn[1]!, dropIn: true };
  return /^[^/]+\.(service|socket)$/.test(relative) ? { unit: relative, dropIn: false } : undefined;
}

/** The unit directory portbook deploys to. */
export function unitDirectory(options: Pick<RenderOptions, 'deploy'>): string {
  return installDirectory(options, 'systemd')!;
}

/**
 * The system manager's unit directories, by precedence (`systemd-analyze
 * unit-paths` on systemd 252, without the runtime-only ones), with portbook's
 * own where the config moves it, first.
 */
export function unitDirectories(options: Pick<RenderOptions, 'deploy'>): string[] {
  const standard = ['/etc/systemd/system', '/run/systemd/system', '/usr/local/lib/systemd/system', '/usr/lib/systemd/system', '/lib/systemd/system'];
  const own = unitDirectory(options);
  return standard.includes(own) ? standard : [own, ...standard];
}

/** The unit `relative` names in portbook's unit directory, if it is one of its files. */
export function unitOfHostPath(options: Pick<RenderOptions, 'deploy'>, hostPath: string): { unit: string; dropIn: boolean } | undefined {
  const dir = unitDirectory(options);
  return hostPath.startsWith(`${dir}/`) ? unitOf(hostPath.slice(dir.length + 1)) : undefined;
}

/**
 * `systemd-analyze verify` on `units` as the host would load them: their
 * files in portbook's unit directory copied to a scratch directory, with
 * `candidates` (host path → text) in place and `removed` taken out, searched
 * in that directory's place among the host's unit directories. Under a root
 * other than `/`, the scratch directory is made inside it and the check runs
 * with `--root`, so the programs units name are looked for there too.
 */
export function verifyUnits(
  root: string,
  options: Pick<RenderOptions, 'deploy'>,
  units: readonly string[],
  candidates: ReadonlyMap<string, string>,
  removed: ReadonlySet<string>,
): Ran {
  const dir = unitDirectory(options);
  const program = needConsumer('/usr/bin/systemd-analyze', 'the units', 'apt-get install systemd');
  const scratch = makeScratch(root === '/' ? os.tmpdir() : root);
  try {
    for (const unit of units) {
      const base = readHost(root, `${dir}/${unit}`);
      if (base !== undefined) writeFileSync(path.join(scratch, unit), base);
      if (isHostDirectory(root, `${dir}/${unit}.d`)) copyHostTree(root, `${dir}/${unit}.d`, path.join(scratch, `${unit}.d`));
    }
    for (const [host, content] of candidates) {
      const owner = unitOfHostPath(options, host);
      if (!owner || !units.includes(owner.unit)) continue;
      const staged = path.join(scratch, host.slice(dir.length + 1));
      mkdirSync(path.dirname(staged), { recursive: true });
      writeFileSync(staged, content);
    }
    for (const host of removed) if (unitOfHostPath(options, host)) rmSync(path.join(scratch, host.slice(dir.length + 1)), { force: true });
    const seen = root === '/' ? scratch : hostPathOf(root, scratch)!;
    const search = unitDirectories(options).map((each) => (each === dir ? seen : each));
    const ran = runProgram([program, 'verify', '--recursive-errors=no', '--man=no', ...(root === '/' ? [] : [`--root=${root}`]), ...units], {
      env: { ...process.env, SYSTEMD_UNIT_PATH: search.join(':'), SYSTEMD_COLORS: '0', SYSTEMD_PAGER: '' },
      show: ['systemd-analyze', 'verify', ...units],
    });
    const asHost = (text: string): string => text.replaceAll(scratch, dir).replaceAll(seen, dir);
    const missing = [...ran.output.matchAll(/^Unit (\S+) not found\.$/gm)].map((match) => match[1]!);
    const hint =
      missing.length === 0
        ? ''
        : `\n(portbook writes a drop-in for ${missing.join(', ')}, which the host does not have: install the service's own unit first, or name the unit the host runs it as in the config's systemd.units or the registry's Configuration Files list)`;
    return { ...ran, output: asHost(ran.output) + hint };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** A unit file's lines as systemd reads them: continuation lines joined, comments dropped, each with its section and first line number. */
function unitLines(text: string): Array<{ section: string; key: string; value: string; line: number }> {
  const lines: Array<{ section: string; key: string; value: string; line: number }> = [];
  const raw = text.split('\n');
  let section = '';
  for (let index = 0; index < raw.length; index++) {
    const line = index + 1;
    let content = raw[index]!;
    while (content.endsWith('\\') && index + 1 < raw.length) content = `${content.slice(0, -1)} ${raw[++index]!}`;
    const trimmed = content.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) continue;
    const header = /^\[([^\]]+)\]$/.exec(trimmed);
    if (header) section = header[1]!;
    else if (trimmed.includes('=')) {
      const at = trimmed.indexOf('=');
      lines.push({ section, key: trimmed.slice(0, at).trim(), value: trimmed.slice(at + 1).trim(), line });
    }
  }
  return lines;
}

/** `Environment=`'s words as systemd splits them: by spaces, `"…"` and `'…'` quoting, C escapes inside. */
export function environmentWords(value: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quote: string | undefined;
  for (let index = 0; index < value.length; index++) {
    const char = value[index]!;
    if (char === '\\' && index + 1 < value.length) {
      const next = value[++index]!;
      word = (word ?? '') + ({ n: '\n', t: '\t', r: '\r' }[next] ?? next);
    } else if (quote !== undefined) {
      if (char === quote) quote = undefined;
      else word = (word ?? '') + char;
    } else if (char === '"' || char === "'") {
      quote = char;
      word ??= '';
    } else if (/\s/.test(char)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else word = (word ?? '') + char;
  }
  if (word !== undefined) words.push(word);
  return words;
}

/** A variable a unit's file sets, where. */
export interface UnitSetting {
  file: string;
  line: number;
  name: string;
  value: string;
}

/**
 * The files that make up `unit` on the host, as systemd loads them: the unit
 * file of the directory with the highest precedence that has it, then its
 * drop-ins (`<unit>.d/*.conf`, a name in a directory of higher precedence
 * hiding the same name in a lower one), in name order.
 */
export function unitFiles(root: string, options: Pick<RenderOptions, 'deploy'>, unit: string): Array<{ file: string; text: string }> {
  const files: Array<{ file: string; text: string }> = [];
  const directories = unitDirectories(options);
  for (const dir of directories) {
    const text = readHost(root, `${dir}/${unit}`);
    if (text === undefined) continue;
    files.push({ file: `${dir}/${unit}`, text });
    break;
  }
  const dropIns = new Map<string, string>();
  for (const dir of directories) {
    for (const name of listHost(root, `${dir}/${unit}.d`)) if (name.endsWith('.conf') && !dropIns.has(name)) dropIns.set(name, `${dir}/${unit}.d/${name}`);
  }
  for (const name of [...dropIns.keys()].sort()) {
    const file = dropIns.get(name)!;
    const text = readHost(root, file);
    if (text !== undefined) files.push({ file, text });
  }
  return files;
}

/** The `Environment=` assignments of `names` in the `[Service]` section of a unit's file. */
export function environmentSettings(file: string, text: string, names: ReadonlySet<string>): UnitSetting[] {
  const found: UnitSetting[] = [];
  for (const { section, key, value, line } of unitLines(text)) {
    if (section !== 'Service' || key !== 'Environment') continue;
    for (const word of environmentWords(value)) {
      const at = word.indexOf('=');
      if (at > 0 && names.has(word.slice(0, at))) found.push({ file, line, name: word.slice(0, at), value: word.slice(at + 1) });
    }
  }
  return found;
}

/** The services on the host whose files read `envFile` with `EnvironmentFile=` (a restart makes them read it again). */
export function unitsReading(root: string, options: Pick<RenderOptions, 'deploy'>, envFile: string): string[] {
  const units = new Set<string>();
  const reads = (text: string): boolean =>
    unitLines(text).some(({ section, key, value }) => section === 'Service' && key === 'EnvironmentFile' && value.replace(/^-/, '') === envFile);
  for (const dir of unitDirectories(options)) {
    for (const name of listHost(root, dir)) {
      if (name.endsWith('.service') && reads(readHost(root, `${dir}/${name}`) ?? '')) units.add(name);
    }
    for (const sub of listHost(root, dir, true)) {
      if (!sub.endsWith('.service.d')) continue;
      for (const name of listHost(root, `${dir}/${sub}`)) {
        if (name.endsWith('.conf') && reads(readHost(root, `${dir}/${sub}/${name}`) ?? '')) units.add(sub.slice(0, -2));
      }
    }
  }
  return [...units].sort();
}
