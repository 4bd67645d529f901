/**
 * The pre-commit hook, installed so that it reaches every teammate after
 * `npm install`: through the repository's own hook manager when it has one
 * (husky, lefthook, simple-git-hooks), otherwise as a committed `.githooks/`
 * directory that a `prepare` script activates.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PortbookError } from '../support/errors.js';
import { shellQuote } from '../support/shell.js';
import { repositoryRoot, setConfig } from './git.js';

/** What the hook runs: regenerate and stage, only when the registry, a template or the config is staged. */
export const hookCommand = 'npx --no-install portbook pre-commit';

/**
 * Hooks run from the top of the work tree; a project in a subdirectory (a
 * monorepo package) needs its own directory first, for npx and for its config.
 */
function commandFor(gitRoot: string, root: string): string {
  const relative = path.relative(gitRoot, realpathSync(root)).split(path.sep).join('/');
  return relative === '' ? hookCommand : `cd ${shellQuote(relative)} && ${hookCommand}`;
}

export type HookManager = 'husky' | 'lefthook' | 'simple-git-hooks' | 'githooks';

export interface HookResult {
  manager: HookManager;
  /** Files created or changed, relative to the project root. */
  changed: string[];
  /** What the user should know or do next. */
  message: string;
}

interface PackageJson {
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  'simple-git-hooks'?: Record<string, string>;
  [key: string]: unknown;
}

export function readPackageJson(root: string): { data: PackageJson; indent: string } | undefined {
  const file = path.join(root, 'package.json');
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, 'utf8');
  try {
    return { data: JSON.parse(text) as PackageJson, indent: /^\{\r?\n([ \t]+)"/.exec(text)?.[1] ?? '  ' };
  } catch (error) {
    throw new PortbookError(`${file}: invalid JSON: ${(error as Error).message}`);
  }
}

export function writePackageJson(root: string, data: PackageJson, indent: string): void {
  writeFileSync(path.join(root, 'package.json'), `${JSON.stringify(data, null, indent)}\n`);
}

const lefthookFiles = ['lefthook.yml', 'lefthook.yaml', '.lefthook.yml', '.lefthook.yaml'];

/** The hook manager the repository already uses, or `githooks` (portbook's own committed directory). */
/** Whether the project's package.json lists `name` among its dependencies or devDependencies. */
function dependsOn(pkg: PackageJson | undefined, name: string): boolean {
  return Boolean(pkg?.devDependencies?.[name] ?? pkg?.dependencies?.[name]);
}

export function detectHookManager(root: string): HookManager {
  const pkg = readPackageJson(root)?.data;
  const depends = (name: string): boolean => dependsOn(pkg, name);
  if (existsSync(path.join(root, '.husky')) || depends('husky')) return 'husky';
  if (lefthookFiles.some((name) => existsSync(path.join(root, name))) || depends('lefthook')) return 'lefthook';
  if (pkg?.['simple-git-hooks'] !== undefined || depends('simple-git-hooks')) return 'simple-git-hooks';
  return 'githooks';
}

/** Add `line` to a shell hook file, creating it executable; no change when it is there already. */
function addToShellHook(file: string, line: string): boolean {
  const existing = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  if (existing?.includes('portbook pre-commit')) return false;
  mkdirSync(path.dirname(file), { recursive: true });
  const header = '#!/bin/sh\n# portbook: regenerate and stage the outputs when the port registry changes\n';
  writeFileSync(file, existing === undefined ? `${header}${line}\n` : `${existing.replace(/\n*$/, '\n')}${line}\n`);
  chmodSync(file, 0o755);
  return true;
}

/** The repository's hook set-up is one portbook does not edit: the message says what to do by hand. Nothing was changed. */
export class HookNeedsEditing extends PortbookError {}

/** Install the pre-commit hook for the repository at `root` (the project root, inside a git work tree). */
export function installHook(root: string, manager: HookManager = detectHookManager(root)): HookResult {
  const gitRoot = repositoryRoot(root);
  if (!gitRoot) throw new PortbookError(`${root} is not in a git repository: run \`git init\`, then \`portbook hook install\``);
  switch (manager) {
    case 'husky': {
      const changed = addToShellHook(path.join(root, '.husky', 'pre-commit'), commandFor(gitRoot, root)) ? ['.husky/pre-commit'] : [];
      if (!dependsOn(readPackageJson(root)?.data, 'husky')) {
        // asked for by name in a project without husky: the file alone runs nothing
        const message =
          'husky is not in package.json, so nothing runs that file yet: `npm install --save-dev husky && npm pkg set scripts.prepare=husky && npm run prepare` sets husky up (or use `--manager githooks`, which needs nothing)';
        return { manager, changed, message };
      }
      return { manager, changed, message: 'husky runs it for everyone who runs `npm install`' };
    }
    case 'lefthook': {
      const file = lefthookFiles.map((name) => path.join(root, name)).find((candidate) => existsSync(candidate)) ?? path.join(root, 'lefthook.yml');
      const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
      const name = path.basename(file);
      if (text.includes('portbook pre-commit')) return { manager, changed: [], message: `${name} already runs portbook` };
      if (/^pre-commit:/m.test(text)) {
        throw new HookNeedsEditing(
          `${name} already has a pre-commit section; add this command to it:\n    portbook:\n      run: ${commandFor(gitRoot, root)}\n      stage_fixed: true`,
        );
      }
      const block = `pre-commit:\n  commands:\n    portbook:\n      run: ${commandFor(gitRoot, root)}\n      stage_fixed: true\n`;
      writeFileSync(file, text === '' ? block : `${text.replace(/\n*$/, '\n')}\n${block}`);
      return { manager, changed: [name], message: 'lefthook runs it for everyone once `lefthook install` has run (its npm package does that on install)' };
    }
    case 'simple-git-hooks': {
      const pkg = readPackageJson(root)!;
      const hooks = { ...(pkg.data['simple-git-hooks'] ?? {}) };
      const current = hooks['pre-commit'];
      if (current?.includes('portbook pre-commit')) return { manager, changed: [], message: 'simple-git-hooks already runs portbook' };
      hooks['pre-commit'] = current ? `${current} && ${commandFor(gitRoot, root)}` : commandFor(gitRoot, root);
      writePackageJson(root, { ...pkg.data, 'simple-git-hooks': hooks }, pkg.indent);
      return { manager, changed: ['package.json'], message: 'run `npx simple-git-hooks` (or keep it in your prepare script) to apply it' };
    }
    case 'githooks': {
      const prepare = readPackageJson(root)?.data.scripts?.prepare;
      // husky sets core.hooksPath on every install too: whichever ran last would silence the other's hooks
      // husky as a command of the script (`husky`, `npx husky install`), not a word in some file name
      if (prepare !== undefined && /(?:^|[;&|]\s*|\s)(?:npx\s+)?husky(?:\s|$|[;&|])/.test(prepare)) {
        throw new HookNeedsEditing(
          "package.json's prepare script runs husky, which sets core.hooksPath itself, so a .githooks/ directory would switch husky's hooks off (or be switched off): use `portbook hook install --manager husky`",
        );
      }
      const command = commandFor(gitRoot, root);
      const line = command === hookCommand ? `exec ${hookCommand}` : command.replace(' && ', ' && exec ');
      const changed = addToShellHook(path.join(root, '.githooks', 'pre-commit'), line) ? ['.githooks/pre-commit'] : [];
      const pkg = readPackageJson(root);
      // git resolves core.hooksPath from the top of the work tree, which may be above the project
      const hooksPath = path
        .relative(gitRoot, path.join(realpathSync(root), '.githooks'))
        .split(path.sep)
        .join('/');
      const activate = `git config core.hooksPath ${hooksPath} || true`;
      if (pkg && !pkg.data.scripts?.prepare?.includes('core.hooksPath')) {
        const prepare = pkg.data.scripts?.prepare;
        pkg.data.scripts = { ...pkg.data.scripts, prepare: prepare ? `${prepare} && ${activate}` : activate };
        writePackageJson(root, pkg.data, pkg.indent);
        changed.push('package.json');
      }
      setConfig(gitRoot, 'core.hooksPath', hooksPath);
      return { manager, changed, message: 'the prepare script activates it for everyone who runs `npm install`' };
    }
  }
}
