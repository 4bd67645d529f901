/** `init`: adopt portbook in a project: registry, config, gen script, first gen, outputs git ignores, pre-commit hook. */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type Config, configFileName, loadConfig } from '../config/load.js';
import { hasErrors } from '../diagnostics/report.js';
import { extract } from '../extract/index.js';
import { repositoryRoot } from '../git/git.js';
import { detectHookManager, HookNeedsEditing, type HookResult, installHook, readPackageJson, writePackageJson } from '../git/hooks.js';
import { type IgnoredFile, ruleOf, unignore } from '../git/ignored.js';
import { read } from '../read/index.js';
import { environmentKey } from '../registry/names.js';
import { PortbookError } from '../support/errors.js';
import { packageRoot } from '../support/package.js';
import { defaultTargetIds, targets } from '../targets/index.js';
import { defaultEnvironmentVariable } from '../targets/settings-ts.js';
import { ignoredOutputs } from './check.js';
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
  /** Outputs git would still not commit, each with the rule that excludes it (none once `unignoreOutputs` fixed them). */
  ignored: IgnoredFile[];
  /** Why `unignoreOutputs` could not fix them, when it could not (a rule that excludes a directory above them). */
  unignoreFailed?: string;
  hook?: HookResult;
  /** Why no hook was installed, when none was (not a git repository, a hook manager portbook cannot edit). */
  hookSkipped?: string;
  /** The targets a new config leaves out (off by default: they could surprise), which its `targets` can name. */
  targetsOff: string[];
}

export interface InitOptions {
  cwd?: string;
  /** Replace an existing config and gen script (never the registry). */
  force?: boolean;
  /** Add a negation line to .gitignore for each output git would not commit. */
  unignoreOutputs?: boolean;
}

/** Where init puts the registry, relative to the project root. */
export const initRegistry = 'docs/PORTS.md';

/**
 * Adopt portbook in an existing project: registry, config, gen script, first
 * gen, pre-commit hook. An existing registry is never replaced, not even with
 * `force` (which replaces the config and the gen script); outputs edited by
 * hand are never overwritten (that is `gen --force`). Outputs git would not
 * commit are reported with their rules, and with `unignoreOutputs` a
 * negation line re-includes each. When a step fails after others changed
 * files, the error says which.
 */
export function init(options: InitOptions = {}): InitResult {
  const root = path.resolve(options.cwd ?? process.cwd());
  const pkg = readPackageJson(root);
  if (!pkg) throw new PortbookError(`No package.json in ${root}: run \`npm init -y\` first, or run init in your project's root`);
  const configFile = path.join(root, configFileName);
  // a config init keeps must be valid before init changes anything; --force replaces even a broken one
  let previous: Config | undefined;
  if (existsSync(configFile)) {
    try {
      previous = loadConfig({ cwd: root, config: configFile });
    } catch (error) {
      if (!options.force) throw error;
    }
  }
  // the registry an existing config names is the project's, wherever it is
  const source = previous?.source ?? path.join(root, ...initRegistry.split('/'));
  const registry = path.relative(root, source).split(path.sep).join('/') || '.';
  const done: string[] = [];
  const kept: string[] = [];
  try {
    if (existsSync(source)) kept.push(registry);
    else {
      mkdirSync(path.dirname(source), { recursive: true });
      copyFileSync(exampleRegistry, source);
      done.push(`created ${registry} (an example registry: edit it to list your services)`);
    }
    writeConfig(configFile, source, previous, options.force === true, done, kept);

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
    const targetsOff = targets.filter((target) => !target.byDefault).map((target) => target.id);
    const result: InitResult = { registry, done, kept, generated, targetsOff, ...unignoreStep(root, generated, options.unignoreOutputs === true, done) };
    return { ...result, ...hookStep(root, done) };
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

/**
 * Write the config, unless one exists and `force` is off. A new config names
 * the environment settings use when the selector variable is unset, and that
 * variable; a replaced one keeps its source, out and settings as written.
 */
function writeConfig(configFile: string, source: string, previous: Config | undefined, force: boolean, done: string[], kept: string[]): void {
  const existed = existsSync(configFile);
  if (existed && !force) {
    kept.push(configFileName);
    return;
  }
  // a replaced config keeps where the registry and the outputs are, as the old one wrote them
  const written = (key: string): unknown => {
    try {
      return (JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>)[key];
    } catch {
      return undefined;
    }
  };
  const asString = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
  const old = written('settings');
  const keptSettings = previous && typeof old === 'object' && old !== null ? (old as Record<string, unknown>) : undefined;
  // what the old config left to the defaults is written out too
  const settings = { ...settingsFor(source), ...keptSettings };
  const config = {
    source: previous ? (asString(written('source')) ?? initRegistry) : initRegistry,
    out: previous ? (asString(written('out')) ?? 'generated') : 'generated',
    templates: 'templates',
    targets: [...defaultTargetIds],
    nginx: {
      certificate: '/etc/letsencrypt/live/{domain}/fullchain.pem',
      certificateKey: '/etc/letsencrypt/live/{domain}/privkey.pem',
    },
    settings,
  };
  writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`);
  if (!existed) done.push(`created ${configFileName} (${settingsNote(source, settingsFor(source))})`);
  else if (!previous) done.push(`replaced ${configFileName} (the old one was not valid; its paths were not kept)`);
  else done.push(`replaced ${configFileName} (keeping its ${keptSettings ? 'source, out and settings' : 'source and out'})`);
}

/** The outputs git would not commit, and, when asked, the negation lines that make it commit them. */
function unignoreStep(root: string, generated: GenerateResult, fix: boolean, done: string[]): Pick<InitResult, 'ignored' | 'unignoreFailed'> {
  const ignored = ignoredOutputs(generated);
  if (!fix || ignored.length === 0) return { ignored };
  try {
    const rules = [...new Set(ignored.map((each) => ruleOf(each, root)))].join(', ');
    for (const { gitignore, lines } of unignore(root, ignored).added) {
      done.push(
        `added ${lines.map((line) => `\`${line}\``).join(', ')} to ${gitignore}: git ignored these outputs (${rules}) and would never have committed them`,
      );
    }
    return { ignored: [] };
  } catch (error) {
    if (!(error instanceof PortbookError)) throw error;
    return { ignored, unignoreFailed: error.message };
  }
}

/** Wire the pre-commit hook, or say why not. */
function hookStep(root: string, done: string[]): Pick<InitResult, 'hook' | 'hookSkipped'> {
  if (!repositoryRoot(root)) return { hookSkipped: 'not a git repository: run `git init`, then `portbook hook install`' };
  let hook: HookResult;
  try {
    hook = installHook(root, detectHookManager(root));
  } catch (error) {
    // everything else is done: the hook is the one step left to the user, and the message says how
    if (error instanceof HookNeedsEditing) return { hookSkipped: error.message };
    throw error;
  }
  done.push(...hook.changed.map((file) => `wired the pre-commit hook (${hook.manager}): ${file}`));
  return { hook };
}

/** The environments of a registry's services, the one settings use by default first (the default environment, else the first named); none when it cannot be read. */
function environmentsOf(file: string): string[] {
  let source: ReturnType<typeof read>;
  try {
    source = read(readFileSync(file), path.basename(file));
  } catch {
    return [];
  }
  if (hasErrors(source.file)) return [];
  const keys = [...new Set(extract(source).services.map((service) => environmentKey(service.environment.name)))];
  return keys.includes('default') ? ['default', ...keys.filter((key) => key !== 'default')] : keys;
}

/**
 * What a new config's `settings` says: the environment whose values settings
 * use when the selector variable is unset, and that variable. Written out, so
 * that the choice is in front of whoever deploys, not a default nobody saw.
 */
function settingsFor(registry: string): { environment?: string; environmentVariable: string } {
  const [environment] = environmentsOf(registry);
  return { ...(environment ? { environment } : {}), environmentVariable: defaultEnvironmentVariable };
}

/** init's note on the settings it wrote: which environment applies unless the variable names another. */
function settingsNote(registry: string, settings: { environment?: string; environmentVariable: string }): string {
  const others = environmentsOf(registry).filter((key) => key !== settings.environment);
  if (settings.environment === undefined) return `settings.ts and settings.py: ${settings.environmentVariable} chooses the environment at run time`;
  return `settings.ts and settings.py: the ${settings.environment} environment's values, unless ${settings.environmentVariable} names another${others.length > 0 ? `, such as ${others.join(' or ')}` : ''}`;
}
