/** `gen --stage`: generate, then `git add` exactly what changed (and the registry, when gen rewrote a block in it: its diagram, a code sample). */
import path from 'node:path';
import { loadConfig } from '../config/load.js';
import { isTracked, repositoryRoot, stage, unstaged } from '../git/git.js';
import { PortbookError } from '../support/errors.js';
import { existingDirectory, isInside, real } from '../support/paths.js';
import { type GenerateOptions, type GenerateResult, generate } from './gen.js';

export interface StagedResult extends GenerateResult {
  /** Absolute paths that were staged. */
  staged: string[];
  /** Changed outputs that .gitignore excludes: written, not staged. */
  ignored: string[];
  /**
   * The registry, when gen rewrote a block in it but did not stage it:
   * it also has edits the user has not staged, or git does not track it
   * (or it is outside this repository).
   */
  registryLeft?: { file: string; why: 'unstaged edits' | 'untracked' };
}

/**
 * Generate, then `git add` exactly the outputs that changed, and the registry
 * when gen rewrote a block in it (nothing when there were errors or
 * conflicts). A registry with edits of the user's that are not staged is left
 * to them: staging it would commit those too. Outside a git repository, or
 * with --out outside it, it fails before writing anything.
 */
export function generateAndStage(options: GenerateOptions = {}): StagedResult {
  const config = loadConfig(options);
  if (options.dryRun) return { ...generate(options), staged: [], ignored: [] };
  const root = repositoryRoot(config.root);
  if (!root) throw new PortbookError(`${config.root} is not in a git repository: --stage needs one`);
  const out = real(config.out);
  // a submodule or another repository nested in this one is not this index either
  if (!isInside(root, out) || repositoryRoot(existingDirectory(out)) !== root) {
    throw new PortbookError(`${config.out} is outside the git repository ${root}: --stage cannot stage outputs there`);
  }
  const registry = real(config.source);
  // decided before gen writes the blocks: is the registry tracked, with nothing of the user's left unstaged?
  const tracked = isInside(root, registry) && isTracked(root, registry);
  const registryClean = tracked && unstaged(root, [registry]).length === 0;
  const result = generate(options);
  if (!result.plan || result.plan.conflicts.length > 0) return { ...result, staged: [], ignored: [] };
  const changed = result.plan.changes.map((change) => path.join(out, change.path));
  // the diagram and samples gen wrote into the registry belong to the same commit as the outputs
  if (result.sourceUpdate && registryClean) changed.push(registry);
  const { ignored } = stage(root, changed);
  const left =
    result.sourceUpdate && !registryClean ? { registryLeft: { file: registry, why: tracked ? ('unstaged edits' as const) : ('untracked' as const) } } : {};
  return { ...result, staged: changed.filter((file) => !ignored.includes(file)), ignored, ...left };
}
