/** The pre-commit hook: regenerate and stage when the commit touches the inputs; refuse staged outputs that differ from what gen renders. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, type PathOptions } from '../config/load.js';
import { committingWithPathspec, repositoryRoot, stagedContents, stagedFiles, unstaged } from '../git/git.js';
import { PortbookError } from '../support/errors.js';
import { real } from '../support/paths.js';
import { verifyStamp } from '../support/stamp.js';
import { manifestName, sameListing } from '../write/index.js';
import { type Built, build } from './build.js';
import { generateAndStage, type StagedResult } from './stage.js';

export interface StagedOutput {
  /** Relative to the output directory, `/`-separated. */
  path: string;
  /** What the commit would hold; `undefined` when it deletes the file. */
  staged: string | undefined;
  /** What gen renders there. */
  rendered: string;
  /**
   * The work tree's file: `rendered` (then `git add` is the whole fix),
   * `edited` by hand since portbook wrote it (gen needs --force to restore
   * it), or `other` (missing, or an older render: gen restores it).
   */
  worktree: 'rendered' | 'edited' | 'other';
}

export interface PreCommitResult {
  /** Whether the commit touches the registry, a template or the config, or a file in the output directory. */
  relevant: boolean;
  /** gen's run, with what it staged, when the commit touches the inputs. */
  result?: StagedResult;
  /** The outputs rendered in memory (nothing written), when the commit touches outputs only. */
  built?: Built;
  /** Outputs the commit would hold that differ from what gen renders (a hand edit staged, an output staged without its registry). */
  mismatched: StagedOutput[];
}

/**
 * The hook. When the commit touches the registry, a template or the config:
 * regenerate and stage. When it touches files in the output directory: keep
 * the staged content (`git show :path`, not the work tree) to what gen
 * renders. Either way inputs with unstaged edits are refused, since gen reads
 * the work tree. A commit that touches neither costs one `git diff --cached`.
 */
export function preCommit(options: PathOptions = {}): PreCommitResult {
  const config = loadConfig(options);
  const root = repositoryRoot(config.root);
  if (!root) throw new PortbookError(`${config.root} is not in a git repository`);
  const inputs = [config.source, config.file].filter((file): file is string => file !== undefined).map(real);
  const templates = real(config.templates) + path.sep;
  const out = real(config.out);
  const staged = stagedFiles(root);
  const touchesInputs = staged.some((file) => inputs.includes(file) || file.startsWith(templates));
  const underOut = (files: readonly string[]): string[] => files.filter((file) => file.startsWith(out + path.sep));
  const stagedOutputs = underOut(staged);
  if (!touchesInputs && stagedOutputs.length === 0) return { relevant: false, mismatched: [] };
  if (touchesInputs && committingWithPathspec()) {
    throw new PortbookError(
      '`git commit <paths>` commits from a temporary index that portbook cannot stage the outputs into: run `git add` on the files, then a plain `git commit`',
      1,
    );
  }
  // gen reads the work tree: an unstaged edit would put outputs in the commit that do not match its registry
  const pending = unstaged(root, [...inputs, ...(existsSync(config.templates) ? [real(config.templates)] : [])]);
  if (pending.length > 0) {
    const names = pending.map((file) => path.relative(config.root, file)).join(', ');
    const why = touchesInputs ? 'so the outputs would not match the commit' : 'so the staged outputs cannot be checked against what is committed';
    throw new PortbookError(
      `${names} has changes that are not staged, ${why}: stage them (\`git add ${names}\`) or stash them (\`git stash --keep-index\`), then commit again`,
      1,
    );
  }
  if (touchesInputs) {
    const result = generateAndStage(options);
    if (!result.plan || result.plan.conflicts.length > 0 || !result.files) return { relevant: true, result, mismatched: [] };
    // what gen staged matches by construction; an output staged by hand earlier may not
    return { relevant: true, result, mismatched: mismatchedOutputs(root, out, underOut(stagedFiles(root)), result.files) };
  }
  const built = build(options);
  if (!built.files) return { relevant: true, built, mismatched: [] };
  return { relevant: true, built, mismatched: mismatchedOutputs(root, out, stagedOutputs, built.files) };
}

/**
 * The staged files under `out` whose index content differs from what gen
 * renders. Files gen does not render (a removed output, a file of the
 * user's) are not its business. The manifest follows check's rule: it
 * counts when the commit deletes it or it lists other files than gen would.
 */
function mismatchedOutputs(root: string, out: string, files: readonly string[], rendered: ReadonlyMap<string, string>): StagedOutput[] {
  const relative = (file: string): string => path.relative(out, file).split(path.sep).join('/');
  const ours = files.filter((file) => rendered.has(relative(file)));
  const contents = stagedContents(root, ours);
  const mismatched: StagedOutput[] = [];
  for (const file of ours) {
    const name = relative(file);
    const want = rendered.get(name)!;
    const have = contents.get(file);
    if (have === want) continue;
    if (name === manifestName && have !== undefined && sameListing(have, want)) continue;
    let worktree: string | undefined;
    try {
      worktree = readFileSync(file, 'utf8');
    } catch {
      worktree = undefined;
    }
    const state = worktree === want ? 'rendered' : worktree !== undefined && worktree !== '' && verifyStamp(worktree) !== 'intact' ? 'edited' : 'other';
    mismatched.push({ path: name, staged: have, rendered: want, worktree: state });
  }
  return mismatched;
}
