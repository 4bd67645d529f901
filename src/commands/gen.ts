/** `gen`: build, then replace the outputs that changed, atomically; validate candidates before and reload after when the config says so. */
import type { PathOptions } from '../config/load.js';
import { type CommandRun, reloadChanged, removeDeadCandidates, validateCandidates } from '../deploy/index.js';
import { apply, type Plan, plan } from '../write/index.js';
import { type Built, build } from './build.js';

export interface GenerateResult extends Built {
  /** What was (or, with `dryRun`, would be) changed; `undefined` when there were errors. */
  plan: Plan | undefined;
  /** The validate and reload commands that ran (see `commands` in the config). */
  commands: CommandRun[];
}

export interface GenerateOptions extends PathOptions {
  /** Plan only: write nothing. */
  dryRun?: boolean;
  /** Overwrite outputs that were edited by hand. */
  force?: boolean;
}

/**
 * Build, then replace the changed outputs atomically (unless `dryRun`).
 * When an output was edited by hand (or a file portbook never wrote stands
 * where an output goes), nothing is written: `plan.conflicts` says which.
 * Targets with a `validate` command must accept their candidates first;
 * targets with a `reload` command get it run when their files changed.
 */
export function generate(options: GenerateOptions = {}): GenerateResult {
  const built = build(options);
  if (!built.files) return { ...built, plan: undefined, commands: [] };
  // the registry's own diagram block is written with the outputs, all or nothing
  const registry = { file: built.config.source, ...(built.sourceUpdate ? { before: built.sourceUpdate.before, after: built.sourceUpdate.after } : {}) };
  const planned = plan(built.config.out, built.files, { force: options.force ?? false, registry });
  const commands: CommandRun[] = [];
  if (!options.dryRun && planned.conflicts.length === 0) {
    commands.push(...validateCandidates(built.config, built.rendered!, planned));
    apply(planned);
    // what killed runs left in the OS temporary directory (apply removed what they left among the outputs and beside the registry)
    removeDeadCandidates(built.config);
    commands.push(...reloadChanged(built.config, built.rendered!, planned));
  }
  return { ...built, plan: planned, commands };
}
