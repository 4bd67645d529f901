/**
 * The real consumers of portbook's outputs, as small runners the tests share:
 * nginx -t on a wrapper http block, systemd-analyze verify on a minimal unit
 * with the drop-in, tsc --strict, python3. Each works in directories from the
 * caller's `scratch` function, so the caller owns the cleanup.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const tscBin = path.join(repo, 'node_modules/typescript/bin/tsc');

export function write(file: string, content: string): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
  return file;
}

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Run a program (no shell); a missing program fails with a clear message.
 * The timeout is a hang guard (each of these programs takes well under a
 * second): spawnSync blocks the event loop, so vitest's own could not fire.
 */
/**
 * The environment of every consumer run: the test process's, without what the
 * generated settings read at import (PORTBOOK_ENV and port, host and
 * health-path variables), so a developer's shell cannot change what they see.
 */
export const consumerEnv: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(([key]) => key !== 'PORTBOOK_ENV' && !/_(PORT|HOST|HEALTH_PATH)$/.test(key) && key !== 'PORT'),
);

export function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Run {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 4 * 60_000, killSignal: 'SIGKILL', env: consumerEnv, ...options });
  if (result.error) throw new Error(`Cannot run ${command} (is it installed?): ${result.error.message}`);
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** An absolute path if the usual one exists (sbin is not always on PATH), else the bare name. */
const program = (usual: string): string => (existsSync(usual) ? usual : path.basename(usual));
export const nginxBin = program('/usr/sbin/nginx');
export const systemdAnalyze = program('/usr/bin/systemd-analyze');
export const openssl = program('/usr/bin/openssl');

/**
 * The interpreter `python3` starts, by its own path: a version manager's shim
 * (pyenv's is a shell script) costs a tenth of a second on every run, and the
 * property test runs python3 on every sample. `python3` itself if it cannot say.
 */
export const python3 = ((): string => {
  const asked = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { cwd: os.tmpdir(), encoding: 'utf8', timeout: 60_000 });
  const executable = asked.status === 0 ? asked.stdout.trim() : '';
  return executable !== '' && existsSync(executable) ? executable : 'python3';
})();

/**
 * The consumers must be installed (`.ci/run` installs them). Outside CI a
 * machine without them skips the consumer checks and says what to install;
 * in CI (CI=true) a missing consumer fails the run instead.
 */
const onPath = (name: string): boolean => spawnSync(name, ['--version'], { stdio: 'ignore' }).error === undefined;
export const missingConsumers = [
  [nginxBin, 'nginx-light'],
  [systemdAnalyze, 'systemd'],
  ['python3', 'python3'],
  [openssl, 'openssl'],
].filter(([command]) => !onPath(command!));
export const skipConsumers = missingConsumers.length > 0 && !process.env.CI;
export function warnIfSkipped(file: string): void {
  if (!skipConsumers) return;
  console.warn(
    `${file}: consumer checks skipped: ${missingConsumers.map(([command]) => command).join(', ')} not found. ` +
      `Install them with: apt-get install -y ${missingConsumers.map(([, pkg]) => pkg).join(' ')}`,
  );
}

/** A self-signed certificate in `dir` and a portbook config pointing nginx at it (and `nginx`'s other settings); returns the config file. */
export function certificateConfig(dir: string, nginx: Record<string, unknown> = {}): string {
  const version = /nginx\/(\d+)\.(\d+)\.(\d+)/.exec(run(nginxBin, ['-v']).stderr);
  const [major = 0, minor = 0, patch = 0] = (version?.slice(1) ?? []).map(Number);
  const tooOld = major < 1 || (major === 1 && (minor < 19 || (minor === 19 && patch < 5)));
  if (tooOld) throw new Error(`nginx 1.19.5+ is needed for \`nginx -e stderr\`; found: ${version?.[0] ?? 'no version'}`);
  const made = run(openssl, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=test', '-days', '1', '-keyout', 'key.pem', '-out', 'cert.pem'], {
    cwd: dir,
  });
  if (made.status !== 0) throw new Error(`openssl could not make a test certificate:\n${made.stderr}`);
  return write(
    path.join(dir, 'portbook.config.json'),
    // the edge registry's Env cells of another shape than `…_PORT` are allowed, as a project would allow them
    JSON.stringify({
      nginx: { certificate: path.join(dir, 'cert.pem'), certificateKey: path.join(dir, 'key.pem'), ...nginx },
      variables: { allow: ['CAFE_API', 'LIVE_FEED_WS'] },
    }),
  );
}

/** `nginx -t` on a wrapper that includes `files` in one http block. */
export function nginxTest(files: string[], prefix: string): Run {
  const conf = write(
    path.join(prefix, 'nginx.conf'),
    [
      `pid "${prefix}/nginx.pid";`,
      'error_log stderr;',
      'events {}',
      'http {',
      '    access_log off;',
      ...files.map((file) => `    include "${file}";`),
      '}',
      '',
    ].join('\n'),
  );
  return run(nginxBin, ['-t', '-q', '-e', 'stderr', '-p', `${prefix}/`, '-c', conf]);
}

export const minimalUnit = '[Unit]\nDescription=x\n[Service]\nExecStart=/bin/true\n';

/** `systemd-analyze verify` on a minimal `<unit>.service` in `dir` with `dropIn` as its portbook.conf drop-in. */
export function systemdVerify(unit: string, dropIn: string, dir: string): Run & { dropInPath: string } {
  write(path.join(dir, `${unit}.service`), minimalUnit);
  const dropInPath = write(path.join(dir, `${unit}.service.d`, 'portbook.conf'), dropIn);
  const result = run(systemdAnalyze, ['verify', '--recursive-errors=no', `${unit}.service`], {
    cwd: dir,
    env: { ...process.env, SYSTEMD_UNIT_PATH: `${dir}:` },
  });
  return { ...result, dropInPath };
}

/** `systemd-analyze verify` on whole unit files (file name → content), written to `dir` and verified in one run. */
export function systemdVerifyUnits(units: Record<string, string>, dir: string): Run {
  for (const [name, content] of Object.entries(units)) write(path.join(dir, name), content);
  return run(systemdAnalyze, ['verify', '--recursive-errors=no', ...Object.keys(units)], {
    cwd: dir,
    env: { ...process.env, SYSTEMD_UNIT_PATH: `${dir}:` },
  });
}

/**
 * `systemd-analyze security --offline=true --threshold=N` on a unit in `dir`
 * (written there by the caller): exit 0 when its exposure (0–100 here, 0–10
 * in the printout) is at or under `threshold`. `score` is the printout's.
 */
export function systemdSecurity(unit: string, dir: string, threshold: number): Run & { score: number | undefined } {
  const result = run(systemdAnalyze, ['security', '--offline=true', `--threshold=${threshold}`, '--no-pager', unit], {
    cwd: dir,
    env: { ...process.env, SYSTEMD_UNIT_PATH: `${dir}:`, SYSTEMD_COLORS: '0' },
  });
  const score = /Overall exposure level for \S+: (\d+\.\d)/.exec(result.stdout)?.[1];
  return { ...result, score: score === undefined ? undefined : Number(score) };
}

/** `tsc --strict` on the given files (written into `dir`) as ESM or CommonJS. */
export function tsc(files: Record<string, string>, type: 'module' | 'commonjs', dir: string): Run {
  return tscProjects({ '.': { type, files } }, dir);
}

/**
 * `tsc --strict` on several sets of files in one run: each set in its own
 * directory of `dir` with a package.json of its type, so that under
 * `--module nodenext` each is ESM or CommonJS as it says. The files are
 * modules, so no set sees another's declarations: the one run reports what
 * a run per set would, each error under its directory (`<set>/settings.ts(…)`),
 * and saves tsc's start-up (half a second) for every set after the first.
 */
export function tscProjects(projects: Record<string, { type: 'module' | 'commonjs'; files: Record<string, string> }>, dir: string): Run {
  const roots: string[] = [];
  for (const [name, { type, files }] of Object.entries(projects)) {
    write(path.join(dir, name, 'package.json'), JSON.stringify({ type }));
    for (const [file, content] of Object.entries(files)) {
      write(path.join(dir, name, file), content);
      roots.push(path.join(name, file));
    }
  }
  return run(process.execPath, [tscBin, '--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', ...roots], {
    cwd: dir,
  });
}

export const ok = { status: 0, stderr: '' };
export const outcome = (result: Run): { status: number | null; stderr: string } => ({ status: result.status, stderr: result.stderr });
