/**
 * The real consumers of the caddy, compose and prometheus outputs, as small
 * runners the tests share: `caddy validate` and `caddy adapt` (with HOME and
 * XDG directories of the caller's, so Caddy writes nothing of the user's),
 * `docker-compose config -q` (no Docker daemon needed), `promtool check
 * config` and `check rules`, the blackbox exporter's `--config.check`. Like
 * test/consumers.ts: a machine without them skips these checks and says what
 * to install; under CI=true a missing one fails the run instead.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { blackboxScrapeJob } from '../src/targets/prometheus.js';
import { consumerEnv, type Run, run, write } from './consumers.js';

const program = (usual: string): string => (existsSync(usual) ? usual : path.basename(usual));
export const caddyBin = program('/usr/bin/caddy');
export const dockerCompose = program('/usr/bin/docker-compose');
export const promtool = program('/usr/bin/promtool');
export const blackboxExporter = program('/usr/bin/prometheus-blackbox-exporter');
/** The system's Python, whose PyYAML (python3-yaml, which docker-compose depends on) reads YAML as docker-compose does. */
export const systemPython = program('/usr/bin/python3');

const onPath = (name: string): boolean => spawnSync(name, ['--version'], { stdio: 'ignore' }).error === undefined;
export const missingAppConsumers = [
  [caddyBin, 'caddy'],
  [dockerCompose, 'docker-compose'],
  [promtool, 'prometheus'],
  [blackboxExporter, 'prometheus-blackbox-exporter'],
].filter(([command]) => !onPath(command!));
export const skipAppConsumers = missingAppConsumers.length > 0 && !process.env.CI;
export function warnIfAppConsumersSkipped(file: string): void {
  if (!skipAppConsumers) return;
  console.warn(
    `${file}: caddy, compose and prometheus consumer checks skipped: ${missingAppConsumers.map(([command]) => command).join(', ')} not found. ` +
      `Install them with: apt-get install -y ${missingAppConsumers.map(([, pkg]) => pkg).join(' ')}`,
  );
}

/** Caddy's environment: its data and config directories (certificates, autosave) inside `home`. */
const caddyEnv = (home: string): NodeJS.ProcessEnv => ({
  ...consumerEnv,
  HOME: home,
  XDG_DATA_HOME: path.join(home, 'data'),
  XDG_CONFIG_HOME: path.join(home, 'config'),
});

/** `caddy validate --adapter caddyfile` on `file`: loads and provisions the config without starting it (offline: no certificate is requested). */
export function caddyValidate(file: string, home: string): Run {
  return run(caddyBin, ['validate', '--config', file, '--adapter', 'caddyfile'], { env: caddyEnv(home) });
}

/** `caddy adapt` on `file`: the JSON config the Caddyfile becomes, and the ports its servers listen on. */
export function caddyAdapt(file: string, home: string, env: NodeJS.ProcessEnv = {}): Run & { ports: number[]; json: unknown } {
  const result = run(caddyBin, ['adapt', '--config', file, '--adapter', 'caddyfile'], { env: { ...caddyEnv(home), ...env } });
  if (result.status !== 0) return { ...result, ports: [], json: undefined };
  const json = JSON.parse(result.stdout) as { apps?: { http?: { servers?: Record<string, { listen?: string[] }> } } };
  const listen = Object.values(json.apps?.http?.servers ?? {}).flatMap((server) => server.listen ?? []);
  const ports = [...new Set(listen.map((address) => Number(/:(\d+)$/.exec(address)?.[1])))].sort((a, b) => a - b);
  return { ...result, ports, json };
}

/** `docker-compose -f base -f override… config -q` in `dir`: parses, merges and validates the files without a daemon. */
export function composeConfig(files: string[], dir: string): Run {
  return run(dockerCompose, [...files.flatMap((file) => ['-f', file]), 'config', '-q'], { cwd: dir });
}

/** `docker-compose config` printed: the merged file as compose reads it. */
export function composeConfigShown(files: string[], dir: string): Run {
  return run(dockerCompose, [...files.flatMap((file) => ['-f', file]), 'config'], { cwd: dir });
}

/**
 * `promtool check config` on a prometheus.yml in `dir` with a blackbox job
 * whose file_sd_configs read `targets` and whose rule_files are `rules`:
 * promtool checks the target files and the rules it names as well.
 */
export function promtoolCheckConfig(targets: string[], rules: string[], dir: string): Run {
  const list = (files: string[]): string => `[${files.map((file) => JSON.stringify(file)).join(', ')}]`;
  const config = write(
    path.join(dir, 'prometheus.yml'),
    [
      `rule_files: ${list(rules)}`,
      'scrape_configs:',
      // a registry without sites has no target file
      ...blackboxScrapeJob(targets),
      '',
    ].join('\n'),
  );
  return run(promtool, ['check', 'config', config]);
}

/** `promtool check rules` on one rules file. */
export function promtoolCheckRules(file: string): Run {
  return run(promtool, ['check', 'rules', file]);
}

/** The blackbox exporter's own check of a module file: it parses it strictly and exits. */
export function blackboxCheck(file: string): Run {
  return run(blackboxExporter, ['--config.check', `--config.file=${file}`]);
}

/** YAML documents as PyYAML reads them (`yaml.safe_load`), one per line of the output, as JSON: one run for many. */
export function pyYaml(documents: readonly string[]): Run & { values: unknown[] } {
  const script = 'import json, sys, yaml\nfor text in json.load(sys.stdin): print(json.dumps(yaml.safe_load(text)))';
  const result = spawnSync(systemPython, ['-c', script], {
    input: JSON.stringify(documents),
    encoding: 'utf8',
    timeout: 4 * 60_000,
    killSignal: 'SIGKILL',
    env: consumerEnv,
  });
  if (result.error) throw new Error(`Cannot run ${systemPython} (is it installed?): ${result.error.message}`);
  const values =
    result.status === 0
      ? result.stdout
          .trimEnd()
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as unknown)
      : [];
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, values };
}
