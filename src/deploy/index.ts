/**
 * Validate before replace, reload after: the config may name, per target, a
 * command that must accept the candidate files (written to a staging
 * directory first) and a command to run once the target's files changed.
 * A failed validation means nothing is written.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config, TargetId } from '../config/load.js';
import type { RenderedFile } from '../render/index.js';
import { PortbookError } from '../support/errors.js';
import { childProcess } from '../support/process.js';
import { shellQuote } from '../support/shell.js';
import { targetIds, targetNamed } from '../targets/index.js';
import { makeStagingDirectory, type Plan, removeDeadStagingDirectories } from '../write/index.js';

export interface CommandRun {
  target: TargetId;
  kind: 'validate' | 'reload';
  command: string;
}

/** Targets with a change in the plan, in the order of their first changed file. */
export function changedTargets(planned: Plan, rendered: ReadonlyMap<string, RenderedFile>): Set<TargetId> {
  const targets = new Set<TargetId>();
  for (const change of planned.changes) {
    // a removed file is no longer rendered: its target is the one the manifest recorded
    const target = rendered.get(change.path)?.target ?? targetIds.find((id) => id === change.target);
    if (target) targets.add(target);
  }
  return targets;
}

function runShell(command: string, cwd: string): { ok: boolean; output: string } {
  try {
    const output = childProcess().execFileSync('sh', ['-c', command], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
    return { ok: true, output };
  } catch (error) {
    const failure = error as { status?: number; stdout?: string; stderr?: string; message: string };
    const output = `${failure.stdout ?? ''}${failure.stderr ?? ''}`.trim() || failure.message;
    return { ok: false, output: `exited ${failure.status ?? 'abnormally'}:\n${output}` };
  }
}

/** Replace `{files}`, `{dir}`, the target's own placeholders (nginx's `{wrapper}`), and `{file}`, giving one command per file. */
function expand(template: string, files: string[], dir: string, placeholders: ReadonlyMap<string, string>): string[] {
  let shared = template.replaceAll('{files}', files.map(shellQuote).join(' ')).replaceAll('{dir}', shellQuote(dir));
  for (const [name, value] of placeholders) shared = shared.replaceAll(`{${name}}`, shellQuote(value));
  return shared.includes('{file}') ? files.map((file) => shared.replaceAll('{file}', shellQuote(file))) : [shared];
}

/**
 * Write every changed target's candidate files to a staging directory and run
 * its validate command there. Throws (exit 1) with the validator's output on failure.
 */
export function validateCandidates(config: Config, rendered: ReadonlyMap<string, RenderedFile>, planned: Plan): CommandRun[] {
  const targets = [...changedTargets(planned, rendered)].filter((target) => config.commands[target]?.validate);
  if (targets.length === 0) return [];
  const staging = makeStagingDirectory();
  const ran: CommandRun[] = [];
  try {
    for (const target of targets) {
      const candidates: string[] = [];
      for (const [relative, { content, target: owner }] of rendered) {
        if (owner !== target) continue;
        const file = path.join(staging, ...relative.split('/'));
        mkdirSync(path.dirname(file), { recursive: true });
        writeFileSync(file, content);
        candidates.push(file);
      }
      const command = config.commands[target]!.validate!;
      // only the placeholders the command uses are made (nginx's wrapper is a file)
      const own = Object.entries(targetNamed(target).candidatePlaceholders ?? {}).filter(([name]) => command.includes(`{${name}}`));
      const placeholders = new Map(own.map(([name, make]) => [name, make(staging, candidates)]));
      for (const command of expand(config.commands[target]!.validate!, candidates, staging, placeholders)) {
        const result = runShell(command, config.root);
        if (!result.ok) {
          throw new PortbookError(`validation of ${target} failed: \`${command}\` ${result.output}\nNothing was written; the old files are in place.`, 1);
        }
        ran.push({ target, kind: 'validate', command });
      }
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return ran;
}

/** Whether any target has a validate command (and so a staging directory a killed run can have left). */
function validates(config: Config): boolean {
  return Object.values(config.commands).some((commands) => commands?.validate !== undefined);
}

/** Remove the staging directories of runs killed while validating (only when some target validates: no other run makes them). */
export function removeDeadCandidates(config: Config): string[] {
  return validates(config) ? removeDeadStagingDirectories() : [];
}

/** Run the reload command of every target whose files changed. Throws (exit 1) when one fails. */
export function reloadChanged(config: Config, rendered: ReadonlyMap<string, RenderedFile>, planned: Plan): CommandRun[] {
  const ran: CommandRun[] = [];
  for (const target of changedTargets(planned, rendered)) {
    const command = config.commands[target]?.reload;
    if (!command) continue;
    const result = runShell(command, config.root);
    if (!result.ok) throw new PortbookError(`the files were written, but reloading ${target} failed: \`${command}\` ${result.output}`, 1);
    ran.push({ target, kind: 'reload', command });
  }
  return ran;
}
