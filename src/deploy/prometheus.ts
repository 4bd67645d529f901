/**
 * Prometheus on the host: its rules checked with `checkPrometheusRules`
 * (`promtool check rules`), its file_sd target files with
 * `checkPrometheusTargets` (`promtool check config` of a configuration that
 * reads only the candidate), and whether the host's prometheus.yml
 * (`deploy.prometheusConfig`) names them. Prometheus re-reads file_sd files
 * itself when they change; only a changed rules file takes a reload.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RenderOptions } from '../config/load.js';
import { blackboxScrapeJob } from '../targets/prometheus.js';
import { readHost } from './host.js';
import { installDirectory } from './install.js';
import type { HostChange } from './plan.js';
import { checkVerdict, lastLine, makeScratch, type Ran, runProgram } from './run.js';
import { includedBy } from './stage.js';

/** Whether a host file is the rules file (in the target's directory itself); the others are file_sd target files (in `targets/`). */
export function isRulesFile(options: Pick<RenderOptions, 'deploy'>, hostPath: string): boolean {
  const dir = installDirectory(options, 'prometheus')!;
  return hostPath.startsWith(`${dir}/`) && !hostPath.slice(dir.length + 1).includes('/');
}

/**
 * A prometheus.yml whose one job is the blackbox job of docs/outputs.md reading
 * `file`: the target addresses (a health path's URL too) are the exporter's
 * `target` parameter, and Prometheus scrapes the exporter.
 */
function blackboxJob(file: string): string {
  return ['scrape_configs:', ...blackboxScrapeJob([file]), ''].join('\n');
}

/** Each written target file checked by `checkPrometheusTargets` on a prometheus.yml whose blackbox job reads it, staged in a scratch directory. */
export function checkTargetFiles(options: Pick<RenderOptions, 'deploy'>, changes: readonly HostChange[]): Ran[] {
  const candidates = changes.filter((change) => change.after !== undefined);
  if (candidates.length === 0) return [];
  const words = options.deploy.commands.checkPrometheusTargets;
  const scratch = makeScratch(os.tmpdir());
  try {
    return candidates.map((change, index) => {
      const dir = path.join(scratch, String(index));
      mkdirSync(dir);
      const staged = path.join(dir, path.posix.basename(change.path));
      writeFileSync(staged, change.after!);
      const config = path.join(dir, 'prometheus.yml');
      writeFileSync(config, blackboxJob(staged));
      const ran = checkVerdict(
        runProgram(
          words.map((word) => (word === '{file}' ? config : word)),
          { show: words.map((word) => (word === '{file}' ? 'prometheus.yml' : word)) },
        ),
        change.path,
      );
      const output = ran.output.replaceAll(staged, change.path).replaceAll(config, 'prometheus.yml');
      return { command: `${ran.command} (a prometheus.yml whose blackbox job reads ${change.path})`, ok: ran.ok, output: ran.ok ? lastLine(output) : output };
    });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The file names and patterns prometheus.yml gives (`rule_files`, `file_sd_configs` files), read as the YAML strings ending in .yml or .yaml. */
export function namedFiles(text: string, config: string): string[] {
  const found: string[] = [];
  for (const line of text.split('\n')) {
    const code = line.replace(/(^|\s)#.*$/, '');
    for (const match of code.matchAll(/["']?([^\s"',[\]]+\.ya?ml)["']?/g)) found.push(path.posix.resolve(path.posix.dirname(config), match[1]!));
  }
  return found;
}

/** What to tell the team when prometheus.yml does not name the written files (Debian's names none). */
export function prometheusNotes(root: string, options: Pick<RenderOptions, 'deploy'>, changes: readonly HostChange[]): string[] {
  const config = options.deploy.prometheusConfig;
  const written = changes.filter((change) => change.after !== undefined);
  if (written.length === 0) return [];
  const text = readHost(root, config);
  const named = text === undefined ? [] : namedFiles(text, config);
  return written
    .filter((change) => !includedBy(named, change.path))
    .map((change) => {
      const rules = isRulesFile(options, change.path);
      const pattern = `${path.posix.dirname(change.path)}/*${rules ? '.rules' : ''}.yml`;
      const where = rules
        ? `add ${pattern} to its rule_files`
        : `give the blackbox job \`file_sd_configs: [{ files: [${pattern}] }]\` (the job is in portbook's docs/outputs.md, under Caddy, compose and Prometheus)`;
      return text === undefined
        ? `there is no ${config} (deploy.prometheusConfig): Prometheus reads ${change.path} only when its configuration names it`
        : `${config} does not name ${change.path}, so Prometheus does not read it: ${where}`;
    });
}
