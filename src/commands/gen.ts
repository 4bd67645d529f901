/** `gen`: build, then replace the outputs that changed, atomically; validate candidates before and reload after when the config says so. */
import type { PathOptions } from '../config/load.js';
import { type CommandRun, reloadChanged, removeDeadCandidates, validateCandidates } from '../deploy/index.js';
import { apply, type Plan, plan, removeDeadTemporaries, replaceFile } from '../write/index.js';
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
  const planned = plan(built.config.out, built.files, { force: options.force ?? false });
  const commands: CommandRun[] = [];
  if (!options.dryRun && planned.conflicts.length === 0) {
    commands.push(...validateCandidates(built.config, built.rendered!, planned));
    apply(planned);
    // the registry's own diagram block, written last: a crash before it leaves it stale, never broken
    if (built.sourceUpdate) replaceFile(built.config.source, built.sourceUpdate.after);
    // what killed runs left outside --out (apply removed what they left in it): the registry's temporaries, validate's staging
    removeDeadTemporaries(built.config.source);
    removeDeadCandidates(built.config);
    commands.push(...reloadChanged(built.config, built.rendered!, planned));
  }
  return { ...built, plan: planned, commands };
}
