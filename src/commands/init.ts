/** `init`: adopt portbook in a project: registry, config, gen script, first gen, pre-commit hook. */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type Config, configFileName, loadConfig } from '../config/load.js';
import { repositoryRoot } from '../git/git.js';
import { detectHookManager, HookNeedsEditing, type HookResult, installHook, readPackageJson, writePackageJson } from '../git/hooks.js';
import { PortbookError } from '../support/errors.js';
import { packageRoot } from '../support/package.js';
import { defaultTargetIds } from '../targets/index.js';
import { type GenerateResult, generate } from './gen.js';

const exampleRegistry = path.join(packageRoot, 'examples', 'PORTS.md');

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
      done.push(
        configExisted
          ? `replaced ${configFileName}${previous ? ' (keeping its source and out)' : ' (the old one was not valid; its paths were not kept)'}`
          : `created ${configFileName}`,
      );
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
    const message =
      error instanceof PortbookError
        ? error.message
        : failure.code && failure.syscall
          ? `Cannot ${failure.syscall} ${failure.path ?? ''}: ${failure.code}`
          : undefined;
    if (message === undefined) throw error;
    const exitCode = error instanceof PortbookError ? error.exitCode : 2;
    throw new PortbookError(done.length === 0 ? message : `${message}\n(init had already done this: ${done.join('; ')})`, exitCode);
  }
}
