/**
 * The loaders that read a file of portbook's as a whole, one entry each in
 * `fileLoaders`: how the candidates are checked before anything is replaced
 * (each staged alone in a scratch directory, `{file}` in the configured
 * words standing for it; a check that passes is shown with its last line),
 * what runs once they are in place (`{file}` standing for the file where it
 * is on this machine: under `--root`, inside the root), and what runs, after
 * the old files are back, to return the host to them. loaders.ts runs them
 * beside nginx's and systemd's.
 */
import { rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RenderOptions } from '../config/load.js';
import { checkCaddy } from './caddy.js';
import { onHost } from './host.js';
import type { Loader } from './install.js';
import type { HostCommand } from './loaders.js';
import { nftablesBootNote } from './nftables.js';
import type { HostChange } from './plan.js';
import { checkTargetFiles, isRulesFile, prometheusNotes } from './prometheus.js';
import { checkVerdict, lastLine, makeScratch, type Ran, runProgram } from './run.js';
import { checkSysctlGrammar } from './sysctl.js';

/** What a file loader is given: the host's root, the config, and the plan's changes of its files. */
export interface LoaderContext {
  root: string;
  options: Pick<RenderOptions, 'deploy'>;
  changes: readonly HostChange[];
}

export interface FileLoader {
  /** The verdicts on the candidates (none when none of its files is written). */
  check(context: LoaderContext): Ran[];
  /** What runs after the files are replaced. */
  after(context: LoaderContext): HostCommand[];
  /** What runs after the old files are put back, when a later step failed. */
  rollback(context: LoaderContext): HostCommand[];
  /** What the team should know about the change (printed as `note`). */
  notes?(context: LoaderContext): string[];
}

/** `words` with `{file}` replaced by `file`. */
export function withFile(kind: HostCommand['kind'], words: readonly string[], file: string): HostCommand {
  return { kind, words: words.map((word) => (word === '{file}' ? file : word)) };
}

/** The changes that write a file (created or updated). */
const written = (changes: readonly HostChange[]): HostChange[] => changes.filter((change) => change.after !== undefined);

/**
 * Run `words` on each written candidate, staged alone in a scratch directory
 * under its own name, `{file}` standing for it; shown, and its messages
 * given, with the host path instead.
 */
export function checkEach(changes: readonly HostChange[], words: readonly string[]): Ran[] {
  const candidates = written(changes);
  if (candidates.length === 0) return [];
  const scratch = makeScratch(os.tmpdir());
  try {
    return candidates.map((change) => {
      const staged = path.join(scratch, path.posix.basename(change.path));
      writeFileSync(staged, change.after!);
      const ran = checkVerdict(
        runProgram(
          words.map((word) => (word === '{file}' ? staged : word)),
          { show: words.map((word) => (word === '{file}' ? change.path : word)) },
        ),
        change.path,
      );
      const output = ran.output.replaceAll(staged, change.path);
      return { ...ran, output: ran.ok ? lastLine(output) : output };
    });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** sysctl: held to the target's grammar, then `checkSysctl`; applied with `applySysctl`. A removal applies nothing: a note says what the kernel keeps. */
const sysctl: FileLoader = {
  check: ({ changes, options }) =>
    written(changes).flatMap((change) => {
      const grammar = checkSysctlGrammar(change.path, change.after!);
      return grammar.ok ? [grammar, ...checkEach([change], options.deploy.commands.checkSysctl)] : [grammar];
    }),
  after: ({ root, changes, options }) =>
    written(changes).map((change) => withFile('apply-sysctl', options.deploy.commands.applySysctl, onHost(root, change.path))),
  // the old file back is applied again; a file that was new leaves nothing to apply
  rollback: ({ root, changes, options }) =>
    changes
      .filter((change) => change.before !== undefined)
      .map((change) => withFile('apply-sysctl', options.deploy.commands.applySysctl, onHost(root, change.path))),
  notes: ({ changes }) =>
    changes
      .filter((change) => change.action === 'remove')
      .map(
        (change) =>
          `${change.path} goes, but the kernel keeps its reserved ports until the next boot: clear them with \`sysctl -w net.ipv4.ip_local_reserved_ports=\` if nothing else sets them`,
      ),
};

/**
 * nftables: checked with `checkNftables`, loaded with `applyNftables` (the
 * file replaces its own table, so loading it again is the same), the table
 * taken away with `removeNftables` when its file goes; a note when the boot
 * ruleset does not include the file.
 */
const nftables: FileLoader = {
  check: ({ changes, options }) => checkEach(changes, options.deploy.commands.checkNftables),
  after: ({ root, changes, options }) =>
    changes.map((change) =>
      change.after === undefined
        ? { kind: 'remove-nftables', words: [...options.deploy.commands.removeNftables] }
        : withFile('apply-nftables', options.deploy.commands.applyNftables, onHost(root, change.path)),
    ),
  rollback: ({ root, changes, options }) =>
    changes.map((change) =>
      change.before === undefined
        ? { kind: 'remove-nftables', words: [...options.deploy.commands.removeNftables] }
        : withFile('apply-nftables', options.deploy.commands.applyNftables, onHost(root, change.path)),
    ),
  notes: ({ root, changes, options }) => written(changes).flatMap((change) => nftablesBootNote(root, options, change.path) ?? []),
};

/** Caddy: the host's main Caddyfile checked with the candidates in place (caddy.ts), then one `reloadCaddy`, again on rollback. */
const caddy: FileLoader = {
  check: ({ root, changes, options }) => [checkCaddy(root, options, changes)],
  after: ({ options }) => [{ kind: 'reload-caddy', words: [...options.deploy.commands.reloadCaddy] }],
  rollback: ({ options }) => [{ kind: 'reload-caddy', words: [...options.deploy.commands.reloadCaddy] }],
};

/**
 * Prometheus: the rules checked with `checkPrometheusRules`, the file_sd
 * target files with `checkPrometheusTargets` (prometheus.ts); one
 * `reloadPrometheus` only when the rules file changed, since Prometheus
 * re-reads file_sd files itself; notes when prometheus.yml does not name them.
 */
const prometheus: FileLoader = {
  check: ({ changes, options }) => [
    ...checkEach(
      changes.filter((change) => isRulesFile(options, change.path)),
      options.deploy.commands.checkPrometheusRules,
    ),
    ...checkTargetFiles(
      options,
      changes.filter((change) => !isRulesFile(options, change.path)),
    ),
  ],
  after: ({ changes, options }) => reloadPrometheus(changes, options),
  rollback: ({ changes, options }) => reloadPrometheus(changes, options),
  notes: ({ root, changes, options }) => prometheusNotes(root, options, changes),
};

function reloadPrometheus(changes: readonly HostChange[], options: LoaderContext['options']): HostCommand[] {
  return changes.some((change) => isRulesFile(options, change.path))
    ? [{ kind: 'reload-prometheus', words: [...options.deploy.commands.reloadPrometheus] }]
    : [];
}

/** Each loader that reads whole files, by kind. */
export const fileLoaders: Partial<Record<Loader, FileLoader>> = { sysctl, nftables, caddy, prometheus };
