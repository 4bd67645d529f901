/**
 * The moments users meet portbook in: adopting it (`init`), committing
 * (`pre-commit`, `gen --stage`). Thin compositions of the library and git.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { configFileName, loadConfig, type Config, type PathOptions } from '../config/load.js';
import { PortbookError } from '../support/errors.js';
import { committingWithPathspec, isTracked, repositoryRoot, stage, stagedContents, stagedFiles, unstaged } from '../git/git.js';
import { detectHookManager, HookNeedsEditing, installHook, readPackageJson, writePackageJson, type HookResult } from '../git/hooks.js';
import { packageRoot } from '../support/package.js';
import { defaultTargetIds } from '../targets/index.js';
import { build, generate, type Built, type GenerateOptions, type GenerateResult } from './build.js';
import { verifyStamp } from '../render/stamp.js';
import { manifestName, parseManifest } from '../write/index.js';

const exampleRegistry = path.join(packageRoot, 'examples', 'PORTS.md');

/** git reports real paths; compare like with like. */
function real(file: string): string {
  if (existsSync(file)) return realpathSync(file);
  // not there yet: resolve what exists of it (a link on the way decides where it will be)
  const parent = path.dirname(file);
  return parent === file ? file : path.join(real(parent), path.basename(file));
}

/** The nearest existing directory at or above `file`. */
function existingDirectory(file: string): string {
  let current = file;
  while (!existsSync(current) && path.dirname(current) !== current) current = path.dirname(current);
  return current;
}

export interface StagedResult extends GenerateResult {
  /** Absolute paths that were staged. */
  staged: string[];
  /** Changed outputs that .gitignore excludes: written, not staged. */
  ignored: string[];
  /**
   * The registry, when gen rewrote its diagram block but did not stage it:
   * it also has edits the user has not staged, or git does not track it
   * (or it is outside this repository).
   */
  registryLeft?: { file: string; why: 'unstaged edits' | 'untracked' };
}

/** Whether `file` is `root` or below it. */
function isInside(root: string, file: string): boolean {
  const relative = path.relative(root, file);
  return relative === '' || (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative));
}

/**
 * Generate, then `git add` exactly the outputs that changed, and the registry
 * when gen rewrote its diagram block (nothing when there were errors or
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
  // decided before gen writes the diagram: is the registry tracked, with nothing of the user's left unstaged?
  const tracked = isInside(root, registry) && isTracked(root, registry);
  const registryClean = tracked && unstaged(root, [registry]).length === 0;
  const result = generate(options);
  if (!result.plan || result.plan.conflicts.length > 0) return { ...result, staged: [], ignored: [] };
  const changed = result.plan.changes.map((change) => path.join(out, change.path));
  // the diagram gen wrote into the registry belongs to the same commit as the outputs
  if (result.sourceUpdate && registryClean) changed.push(registry);
  const { ignored } = stage(root, changed);
  const left = result.sourceUpdate && !registryClean ? { registryLeft: { file: registry, why: tracked ? ('unstaged edits' as const) : ('untracked' as const) } } : {};
  return { ...result, staged: changed.filter((file) => !ignored.includes(file)), ignored, ...left };
}

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
    if (name === manifestName && have !== undefined && listedFiles(have) !== undefined && listedFiles(have) === listedFiles(want)) continue;
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

/** The manifest's record of the files, comparable as a string; `undefined` when it cannot be read. */
function listedFiles(text: string): string | undefined {
  const files = parseManifest(text)?.files;
  return files && JSON.stringify(files);
}

export interface InitResult {
  /** The registry, relative to the project root: the one the config names, else docs/PORTS.md. */
  registry: string;
  /** What was created or changed, in order, as lines for the user. */
  done: string[];
  /** Files that existed and were kept: the registry always, the others unless `force`. */
  kept: string[];
  generated: GenerateResult;
  hook?: HookResult;
  /** Why no hook was installed, when none was (not a git repository, a hook manager portbook cannot edit). */
  hookSkipped?: string;
}

/** Where init puts the registry, relative to the project root. */
export const initRegistry = 'docs/PORTS.md';

/**
 * Adopt portbook in an existing project: registry, config, gen script, first
 * gen, pre-commit hook. An existing registry is never replaced, not even with
 * `force` (which replaces the config and the gen script); outputs edited by
 * hand are never overwritten (that is `gen --force`). When a step fails after
 * others changed files, the error says which.
 */
export function init(options: { cwd?: string; force?: boolean } = {}): InitResult {
  const root = path.resolve(options.cwd ?? process.cwd());
  const pkg = readPackageJson(root);
  if (!pkg) throw new PortbookError(`No package.json in ${root}: run \`npm init -y\` first, or run init in your project's root`);
  const configFile = path.join(root, configFileName);
  const configExisted = existsSync(configFile);
  // a config init keeps must be valid before init changes anything; --force replaces even a broken one
  let previous: Config | undefined;
  if (configExisted) {
    try {
      previous = loadConfig({ cwd: root, config: configFile });
    } catch (error) {
      if (!options.force) throw error;
    }
  }
  const shown = (file: string): string => path.relative(root, file).split(path.sep).join('/') || '.';
  // a replaced config keeps where the registry and the outputs are, as the old one wrote them
  const written = (key: 'source' | 'out'): string | undefined => {
    try {
      const value = (JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>)[key];
      return typeof value === 'string' ? value : undefined;
    } catch {
      return undefined;
    }
  };
  // the registry an existing config names is the project's, wherever it is
  const source = previous?.source ?? path.join(root, ...initRegistry.split('/'));
  const registry = shown(source);
  const done: string[] = [];
  const kept: string[] = [];
  try {
    if (existsSync(source)) kept.push(registry);
    else {
      mkdirSync(path.dirname(source), { recursive: true });
      copyFileSync(exampleRegistry, source);
      done.push(`created ${registry} (an example registry: edit it to list your services)`);
    }

    if (configExisted && !options.force) kept.push(configFileName);
    else {
      const config = {
        // a replaced config keeps where the registry and the outputs are
        source: previous ? (written('source') ?? initRegistry) : initRegistry,
        out: previous ? (written('out') ?? 'generated') : 'generated',
        templates: 'templates',
        targets: [...defaultTargetIds],
        nginx: {
          certificate: '/etc/letsencrypt/live/{domain}/fullchain.pem',
          certificateKey: '/etc/letsencrypt/live/{domain}/privkey.pem',
        },
      };
      writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`);
      done.push(configExisted ? `replaced ${configFileName}${previous ? ' (keeping its source and out)' : ' (the old one was not valid; its paths were not kept)'}` : `created ${configFileName}`);
    }

    const gen = pkg.data.scripts?.gen;
    if (gen !== undefined && gen !== 'portbook gen' && !options.force) kept.push('package.json scripts.gen');
    else if (gen !== 'portbook gen') {
      pkg.data.scripts = { ...pkg.data.scripts, gen: 'portbook gen' };
      writePackageJson(root, pkg.data, pkg.indent);
      done.push(`${gen === undefined ? 'added' : 'replaced'} "gen": "portbook gen" ${gen === undefined ? 'to' : 'in'} package.json scripts`);
    }

    const generated = generate({ cwd: root });
    if (generated.plan && generated.plan.conflicts.length === 0) {
      const total = generated.plan.changes.filter((change) => change.kind !== 'remove').length + generated.plan.unchanged.length;
      const out = `${path.relative(root, generated.config.out) || '.'}/`;
      done.push(generated.plan.changes.length > 0 ? `generated ${total} files in ${out}` : `${out} is up to date (${total} files)`);
    }

    if (!repositoryRoot(root)) {
      return { registry, done, kept, generated, hookSkipped: 'not a git repository: run `git init`, then `portbook hook install`' };
    }
    let hook: HookResult;
    try {
      hook = installHook(root, detectHookManager(root));
    } catch (error) {
      // everything else is done: the hook is the one step left to the user, and the message says how
      if (error instanceof HookNeedsEditing) return { registry, done, kept, generated, hookSkipped: error.message };
      throw error;
    }
    done.push(...hook.changed.map((file) => `wired the pre-commit hook (${hook.manager}): ${file}`));
    return { registry, done, kept, generated, hook };
  } catch (error) {
    // a file system error here is about the project's files (a directory where the config goes…): no stack trace
    const failure = error as NodeJS.ErrnoException;
    const message = error instanceof PortbookError ? error.message : failure.code && failure.syscall ? `Cannot ${failure.syscall} ${failure.path ?? ''}: ${failure.code}` : undefined;
    if (message === undefined) throw error;
    const exitCode = error instanceof PortbookError ? error.exitCode : 2;
    throw new PortbookError(done.length === 0 ? message : `${message}\n(init had already done this: ${done.join('; ')})`, exitCode);
  }
}
