/**
 * End to end, as a user meets portbook: the package as `npm pack` makes it,
 * installed into throwaway git repositories, driven through `npx portbook`,
 * `git commit` (the pre-commit hook) and `npm install` (the prepare script).
 *
 * One npm install builds a template project; every scenario works on a copy
 * whose node_modules is hard-linked to the template's (portbook replaces the
 * files it writes there, its code cache, by renaming, so no copy changes
 * another). `npx portbook` is what a user types, and the hook runs it on every
 * commit; the scenarios that are not about npx call the installed bin,
 * node_modules/.bin/portbook, directly, which skips npm's start-up.
 */
import { spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repository = new URL('..', import.meta.url).pathname;

/** The environment of every child: no CI, no npm or git state inherited from whatever runs the tests. */
const env: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(
    ([key]) => !/^npm_/i.test(key) && !/^(CI|INIT_CWD|GIT_DIR|GIT_WORK_TREE|GIT_INDEX_FILE|GIT_COMMON_DIR|GIT_PREFIX)$/.test(key),
  ),
);

let root = ''; // every temporary directory lives in here, side by side, so `file:../pack/…` resolves from each
let tarball = '';
let template = ''; // git repository, portbook installed from the tarball, nothing else
let base = ''; // the template after `portbook init` and a first commit

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** A hang guard for one command (an npm install or a commit on a loaded machine takes seconds), inside the test's own. */
const commandGuard = 4 * 60_000;

/**
 * Run a command to its end. Asynchronous, so that the scenarios, each in its
 * own directory, run side by side: most of their time is spent waiting for
 * git, npm and portbook.
 */
function run(command: string, args: readonly string[], cwd: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], timeout: commandGuard, killSignal: 'SIGKILL' });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.on('error', reject);
    child.on('close', (status, signal) => {
      if (signal)
        reject(
          new Error(
            `${command} ${args.join(' ')} ended by ${signal}${signal === 'SIGKILL' ? ` (hang guard: still running after ${commandGuard / 60_000} minutes?)` : ''}:\n${stdout}\n${stderr}`,
          ),
        );
      else resolve({ status, stdout, stderr });
    });
  });
}

/** Run and insist on success; show the output when it fails. */
async function ok(command: string, args: readonly string[], cwd: string): Promise<Run> {
  const result = await run(command, args, cwd);
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}:\n${result.stdout}\n${result.stderr}`);
  return result;
}

const git = (cwd: string, ...args: string[]): Promise<Run> => run('git', args, cwd);
/** `npx portbook`, as a user types it (npx finds node_modules/.bin/portbook, npm start-up included). */
const npxPortbook = (cwd: string, ...args: string[]): Promise<Run> => run('npx', ['portbook', ...args], cwd);
/** The bin npm installed, node_modules/.bin/portbook (a link to bin/portbook.cjs, run by its `#!/usr/bin/env node`). */
const portbook = (cwd: string, ...args: string[]): Promise<Run> => run(path.join(cwd, 'node_modules', '.bin', 'portbook'), args, cwd);

/** stderr without npm's own warnings (this machine's npm config prints one for every npx). */
function withoutNpmWarnings(text: string): string {
  return text
    .split('\n')
    .filter((line) => line !== '' && !/^npm warn /i.test(line))
    .join('\n');
}

/** `from`'s tree made again at `to`: directories and links new, every file a hard link to the same file. */
function linkTree(from: string, to: string): void {
  mkdirSync(to);
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) linkTree(source, target);
    else if (entry.isSymbolicLink()) symlinkSync(readlinkSync(source), target);
    else linkSync(source, target);
  }
}

/** A fresh copy of the project `from` at `to` (its .git and other files copied, node_modules hard-linked), without .git if `git` is false. */
function copyProject(from: string, to: string, git = true): string {
  const modules = path.join(from, 'node_modules');
  cpSync(from, to, { recursive: true, verbatimSymlinks: true, filter: (source) => source !== modules && (git || source !== path.join(from, '.git')) });
  linkTree(modules, path.join(to, 'node_modules'));
  return to;
}

/** A fresh copy of `from` (a project with its .git and node_modules) in the scenario directory `name`. */
const copy = (from: string, name: string): string => copyProject(from, path.join(root, name));

const registryOf = (dir: string): string => path.join(dir, 'docs', 'PORTS.md');

/** Replace the first occurrence of `from` in the registry (the Development table comes first). */
function editRegistry(dir: string, from: string, to: string): void {
  const text = readFileSync(registryOf(dir), 'utf8');
  expect(text).toContain(from);
  writeFileSync(registryOf(dir), text.replace(from, to));
}

/** Every file under `dir`, relative path → content. */
function snapshot(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (current: string): void => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else files.set(path.relative(dir, full), readFileSync(full, 'utf8'));
    }
  };
  walk(dir);
  return files;
}

const envDevelopment = (dir: string): string => readFileSync(path.join(dir, 'generated', '.env.development'), 'utf8');
const packageJson = (dir: string): { scripts?: Record<string, string>; [key: string]: unknown } =>
  JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };

/** The example registry's Development table: API Server (line 12) may not take Web Frontend's port. */
const duplicateLine = 12;

/**
 * Wait until `condition` holds, looking again every 20 ms. How long that takes
 * decides nothing: the guard only ends a wait that would never end, well
 * inside the test's own timeout, so that the failure names what was awaited.
 */
async function until(condition: () => boolean, what: () => string): Promise<void> {
  const guard = Date.now() + 3 * 60_000;
  while (!condition()) {
    if (Date.now() > guard) throw new Error(`still waiting, after 3 minutes, for ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * The inodes of the directories process `pid` watches with inotify, read
 * from /proc/<pid>/fdinfo (Linux). gen --watch prints nothing once a watch is
 * in place, so this is how a test knows that an edit it makes next is one the
 * watcher can see, rather than guessing with a pause.
 */
function inotifyWatches(pid: number): Set<bigint> {
  const inodes = new Set<bigint>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`) !== 'anon_inode:inotify') continue;
      for (const match of readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8').matchAll(/^inotify wd:\S+ ino:([0-9a-f]+) /gm)) inodes.add(BigInt(`0x${match[1]}`));
    } catch {
      // the descriptor closed while we looked
    }
  }
  return inodes;
}
const canSeeWatches = existsSync(`/proc/${process.pid}/fdinfo`);
const inode = (dir: string): bigint => statSync(dir, { bigint: true }).ino;

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'portbook-e2e-'));
  const pack = path.join(root, 'pack');
  mkdirSync(pack);
  // the global setup has just built dist/; `prepare` would build it again, under the feet of test files running beside this one
  await ok('npm', ['pack', '--ignore-scripts', '--pack-destination', pack], repository);
  const packed = readdirSync(pack).filter((name) => name.endsWith('.tgz'));
  expect(packed).toHaveLength(1);
  tarball = path.join(pack, packed[0]!);

  template = path.join(root, 'template');
  mkdirSync(template);
  await ok('git', ['init', '-q'], template);
  await ok('git', ['config', 'user.email', 'e2e@example.com'], template);
  await ok('git', ['config', 'user.name', 'portbook e2e'], template);
  await ok('npm', ['init', '-y'], template);
  writeFileSync(path.join(template, '.gitignore'), 'node_modules/\n');
  await ok('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], template);

  base = copy(template, 'base');
  await ok(path.join(base, 'node_modules', '.bin', 'portbook'), ['init'], base);
  await ok('git', ['add', '-A'], base);
  await ok('git', ['commit', '-q', '-m', 'init'], base);
});

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

// Each scenario works in its own copy, so they run side by side (vitest's maxConcurrency at a time).
describe.concurrent('portbook installed from its npm tarball, in a git repository', () => {
  // one copy, two steps: these two run in order, beside the other scenarios
  describe.concurrent('adopted step by step', () => {
    let adopted = '';

    it.sequential('init adds the registry, config, gen script, outputs and an active pre-commit hook; a second init keeps everything', async ({ expect }) => {
      adopted = copy(template, 'adopted');
      const first = await npxPortbook(adopted, 'init');
      expect(first.status).toBe(0);
      expect(withoutNpmWarnings(first.stderr)).toBe('');
      expect(first.stdout).toContain('created docs/PORTS.md');
      expect(first.stdout).toContain('created portbook.config.json');

      expect(existsSync(registryOf(adopted))).toBe(true);
      expect(existsSync(path.join(adopted, 'portbook.config.json'))).toBe(true);
      const pkg = packageJson(adopted);
      expect(pkg.scripts?.gen).toBe('portbook gen');
      expect(pkg.scripts?.prepare).toContain('core.hooksPath');
      for (const file of ['.env.development', '.env.production', 'settings.ts', 'settings.py', 'nginx/portbook.production.conf', '.portbook-manifest.json']) {
        expect(existsSync(path.join(adopted, 'generated', file)), file).toBe(true);
      }
      const hook = path.join(adopted, '.githooks', 'pre-commit');
      expect(readFileSync(hook, 'utf8')).toContain('portbook pre-commit');
      expect(statSync(hook).mode & 0o111).toBe(0o111);
      expect((await git(adopted, 'config', 'core.hooksPath')).stdout.trim()).toBe('.githooks');

      // the user edits the registry; init again must not bring the example back
      writeFileSync(registryOf(adopted), `${readFileSync(registryOf(adopted), 'utf8')}\n<!-- our own notes -->\n`);
      const before = ['docs/PORTS.md', 'portbook.config.json', 'package.json', '.githooks/pre-commit'].map((file) =>
        readFileSync(path.join(adopted, file), 'utf8'),
      );
      const second = await npxPortbook(adopted, 'init');
      expect(second.status).toBe(0);
      expect(second.stdout).toContain('kept docs/PORTS.md');
      expect(second.stdout).toContain('kept portbook.config.json');
      expect(second.stdout).not.toContain('created');
      expect(
        ['docs/PORTS.md', 'portbook.config.json', 'package.json', '.githooks/pre-commit'].map((file) => readFileSync(path.join(adopted, file), 'utf8')),
      ).toEqual(before);
    });

    it.sequential('the first commit succeeds, and a teammate who clones and runs npm install gets the hook', async ({ expect }) => {
      expect(adopted).not.toBe('');
      expect((await git(adopted, 'add', '-A')).status).toBe(0);
      const first = await git(adopted, 'commit', '-m', 'init');
      expect(first.status).toBe(0);
      expect((await git(adopted, 'status', '--porcelain')).stdout).toBe('');
      const committed = (await git(adopted, 'ls-files')).stdout.split('\n');
      expect(committed).toEqual(
        expect.arrayContaining(['.githooks/pre-commit', 'docs/PORTS.md', 'generated/.env.development', 'package.json', 'portbook.config.json']),
      );
      expect(committed.some((file) => file.startsWith('node_modules/'))).toBe(false);

      const clone = path.join(root, 'teammate');
      expect((await git(root, 'clone', '--quiet', adopted, clone)).status).toBe(0);
      await git(clone, 'config', 'user.email', 'teammate@example.com');
      await git(clone, 'config', 'user.name', 'teammate');
      expect((await git(clone, 'config', 'core.hooksPath')).status).toBe(1); // a clone does not carry local config
      const install = await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], clone);
      expect(install.status).toBe(0);
      expect((await git(clone, 'config', 'core.hooksPath')).stdout.trim()).toBe('.githooks');

      // and the hook works there: the teammate's port edit commits with its outputs
      editRegistry(clone, '`16101`', '`16107`');
      await git(clone, 'add', 'docs/PORTS.md');
      expect((await git(clone, 'commit', '-q', '-m', 'move')).status).toBe(0);
      expect((await git(clone, 'show', 'HEAD:generated/.env.development')).stdout).toContain('API_SERVER_PORT=16107');
      expect((await git(clone, 'status', '--porcelain')).stdout).toBe('');
    });
  });

  it.concurrent('a commit that edits a port carries the regenerated outputs in the same commit', async ({ expect }) => {
    const dir = copy(base, 'move');
    editRegistry(dir, '`16101`', '`16105`');
    expect((await git(dir, 'add', 'docs/PORTS.md')).status).toBe(0);
    const commit = await git(dir, 'commit', '-m', 'move');
    expect(commit.status).toBe(0);
    expect(commit.stdout + commit.stderr).toMatch(/portbook: regenerated and staged \d+ files/);

    const files = (await git(dir, 'show', '--name-only', '--format=', 'HEAD')).stdout.trim().split('\n');
    expect(files).toEqual(expect.arrayContaining(['docs/PORTS.md', 'generated/settings.ts', 'generated/.env.development', 'generated/settings.py']));
    expect(files).not.toContain('generated/.env.production'); // production did not change
    expect((await git(dir, 'show', 'HEAD:generated/.env.development')).stdout).toContain('API_SERVER_PORT=16105');
    expect((await git(dir, 'show', 'HEAD:generated/settings.ts')).stdout).toContain('16105');
    expect((await git(dir, 'status', '--porcelain')).stdout).toBe('');
  });

  it.concurrent('the diagram block gen writes into the registry joins the commit, so the committed tree passes check', async ({ expect }) => {
    const dir = copy(base, 'diagram');
    writeFileSync(registryOf(dir), `${readFileSync(registryOf(dir), 'utf8')}\n<!-- portbook:diagram -->\n<!-- /portbook:diagram -->\n`);
    await git(dir, 'add', 'docs/PORTS.md');
    expect((await git(dir, 'commit', '-q', '-m', 'markers')).status).toBe(0);
    expect((await git(dir, 'show', 'HEAD:docs/PORTS.md')).stdout).toContain('```mermaid');
    expect((await git(dir, 'status', '--porcelain')).stdout).toBe('');

    editRegistry(dir, '`16101`', '`16105`');
    await git(dir, 'add', 'docs/PORTS.md');
    expect((await git(dir, 'commit', '-q', '-m', 'move')).status).toBe(0);
    expect((await git(dir, 'status', '--porcelain')).stdout).toBe('');
    const committed = (await git(dir, 'show', 'HEAD:docs/PORTS.md')).stdout;
    expect(committed.slice(committed.indexOf('<!-- portbook:diagram -->'))).toContain(':16105');
    expect((await portbook(dir, 'check')).status).toBe(0);

    // gen --stage, the same, once the edit is staged
    editRegistry(dir, '`16105`', '`16106`');
    await git(dir, 'add', 'docs/PORTS.md');
    const staged = await portbook(dir, 'gen', '--stage');
    expect(staged.status).toBe(0);
    expect(
      (await git(dir, 'status', '--porcelain')).stdout
        .split('\n')
        .filter(Boolean)
        .every((line) => line.startsWith('M  ')),
    ).toBe(true);
    expect((await git(dir, 'diff', '--cached', '--name-only')).stdout).toContain('docs/PORTS.md');
  });

  it.concurrent('gen --stage leaves a registry with unstaged edits of the user’s to them, and writes through a linked registry', async ({ expect }) => {
    const dir = copy(base, 'diagram-wip');
    writeFileSync(registryOf(dir), `${readFileSync(registryOf(dir), 'utf8')}\n<!-- portbook:diagram -->\n<!-- /portbook:diagram -->\n`);
    await git(dir, 'add', 'docs/PORTS.md');
    expect((await git(dir, 'commit', '-q', '-m', 'markers')).status).toBe(0);
    editRegistry(dir, '`16101`', '`16105`');
    writeFileSync(registryOf(dir), `${readFileSync(registryOf(dir), 'utf8')}\nWIP: a private note\n`);
    const staged = await portbook(dir, 'gen', '--stage');
    expect(staged.status).toBe(0);
    expect(withoutNpmWarnings(staged.stderr)).toContain(
      'portbook: not staged: docs/PORTS.md, whose diagram block gen updated, also has edits of yours that are not staged; `git add docs/PORTS.md` when you stage them',
    );
    expect((await git(dir, 'diff', '--cached', '--name-only')).stdout).not.toContain('docs/PORTS.md');
    expect((await git(dir, 'diff', '--cached', '--name-only')).stdout).toContain('generated/.env.development');

    // a registry that is a link: the file it points to gets the diagram, the link stays a link
    const linked = copy(base, 'diagram-link');
    mkdirSync(path.join(linked, 'shared'));
    writeFileSync(
      path.join(linked, 'shared', 'PORTS.md'),
      `${readFileSync(registryOf(linked), 'utf8')}\n<!-- portbook:diagram -->\n<!-- /portbook:diagram -->\n`,
    );
    rmSync(registryOf(linked));
    symlinkSync('../shared/PORTS.md', registryOf(linked));
    await git(linked, 'add', '-A');
    expect((await git(linked, 'commit', '-q', '-m', 'shared registry')).status).toBe(0);
    expect((await git(linked, 'status', '--porcelain')).stdout).toBe('');
    expect(lstatSync(registryOf(linked)).isSymbolicLink()).toBe(true);
    expect(readFileSync(path.join(linked, 'shared', 'PORTS.md'), 'utf8')).toContain('```mermaid');
    expect((await portbook(linked, 'check')).status).toBe(0);
  });

  it.concurrent('gen --stage with --out outside the repository, or outside any repository, writes nothing; --dry-run needs no repository', async ({
    expect,
  }) => {
    const dir = copy(base, 'out-outside');
    editRegistry(dir, '`16101`', '`16105`');
    const outside = path.join(root, 'outside-out');
    const refused = await portbook(dir, 'gen', '--stage', '--out', outside);
    expect(refused.status).toBe(2);
    expect(withoutNpmWarnings(refused.stderr)).toMatch(/is outside the git repository .*: --stage cannot stage outputs there$/);
    expect(existsSync(outside)).toBe(false);
    // an --out whose parent is a link out of the repository: refused before anything is written there
    const elsewhere = path.join(root, 'elsewhere');
    mkdirSync(elsewhere);
    symlinkSync(elsewhere, path.join(dir, 'build'));
    const linked = await portbook(dir, 'gen', '--stage', '--out', 'build/generated');
    expect(linked.status).toBe(2);
    expect(withoutNpmWarnings(linked.stderr)).toMatch(/--stage cannot stage outputs there$/);
    expect(readdirSync(elsewhere)).toEqual([]);

    // the project reached through a link: its outputs are still inside the repository
    const through = path.join(root, 'through-link');
    symlinkSync(dir, through);
    rmSync(path.join(dir, 'generated'), { recursive: true });
    const staged = await run(
      'node',
      [path.join(dir, 'node_modules/portbook/bin/portbook.cjs'), 'gen', '--stage', '--config', path.join(through, 'portbook.config.json')],
      '/',
    );
    expect({ status: staged.status, stderr: withoutNpmWarnings(staged.stderr) }).toEqual({ status: 0, stderr: '' });
    expect((await git(dir, 'diff', '--cached', '--name-only')).stdout).toContain('generated/.env.development');

    rmSync(path.join(dir, '.git'), { recursive: true, force: true });
    expect((await portbook(dir, 'gen', '--stage', '--dry-run')).status).toBe(0);
  });

  it.concurrent('gen --stage says so when the registry whose diagram it updated is not tracked', async ({ expect }) => {
    const dir = copy(base, 'untracked-registry');
    await git(dir, 'rm', '-q', '--cached', 'docs/PORTS.md');
    writeFileSync(registryOf(dir), `${readFileSync(registryOf(dir), 'utf8')}\n<!-- portbook:diagram -->\n<!-- /portbook:diagram -->\n`);
    const staged = await portbook(dir, 'gen', '--stage');
    expect(staged.status).toBe(0);
    expect(withoutNpmWarnings(staged.stderr)).toContain(
      'portbook: not staged: docs/PORTS.md, whose diagram block gen updated, is not tracked by this repository; `git add docs/PORTS.md` to commit it',
    );
  });

  it.concurrent('gen --stage outside a git repository writes nothing', async ({ expect }) => {
    const dir = copy(base, 'no-git');
    rmSync(path.join(dir, '.git'), { recursive: true, force: true });
    editRegistry(dir, '`16101`', '`16105`');
    const before = snapshot(path.join(dir, 'generated'));
    const staged = await portbook(dir, 'gen', '--stage');
    expect(staged.status).toBe(2);
    expect(withoutNpmWarnings(staged.stderr)).toMatch(/is not in a git repository: --stage needs one$/);
    expect(snapshot(path.join(dir, 'generated'))).toEqual(before);
  });

  it.concurrent('a commit with a broken registry is refused at the cell, with nothing else staged or written', async ({ expect }) => {
    const dir = copy(base, 'broken');
    const head = (await git(dir, 'rev-parse', 'HEAD')).stdout.trim();
    const outputs = snapshot(path.join(dir, 'generated'));
    editRegistry(dir, '`16101`', '`16100`'); // API Server takes Web Frontend's port
    await git(dir, 'add', 'docs/PORTS.md');
    const commit = await git(dir, 'commit', '-m', 'broken');
    expect(commit.status).toBe(1);
    expect(commit.stderr).toMatch(new RegExp(`^docs/PORTS\\.md:${duplicateLine}:\\d+ error .*port-duplicate$`, 'm'));
    expect(commit.stderr).toContain('nothing was written');
    expect((await git(dir, 'rev-parse', 'HEAD')).stdout.trim()).toBe(head);
    expect((await git(dir, 'diff', '--cached', '--name-only')).stdout).toBe('docs/PORTS.md\n');
    expect((await git(dir, 'status', '--porcelain')).stdout).toBe('M  docs/PORTS.md\n');
    expect(snapshot(path.join(dir, 'generated'))).toEqual(outputs);
  });

  it.concurrent('a commit that does not touch the registry runs the hook quietly', async ({ expect }) => {
    const dir = copy(base, 'quiet');
    writeFileSync(path.join(dir, 'README.txt'), 'hello\n');
    await git(dir, 'add', 'README.txt');
    const commit = await git(dir, 'commit', '-m', 'readme');
    expect(commit.status).toBe(0);
    expect(withoutNpmWarnings(commit.stderr)).toBe('');
    expect(commit.stdout).not.toMatch(/portbook/i);
    expect((await git(dir, 'show', '--name-only', '--format=', 'HEAD')).stdout).toBe('README.txt\n');
  });

  it.concurrent('check fails on a stale tree and names the fix; after npm run gen it passes', async ({ expect }) => {
    const dir = copy(base, 'stale');
    expect((await portbook(dir, 'check')).status).toBe(0);
    editRegistry(dir, '`16101`', '`16106`');
    const stale = await portbook(dir, 'check');
    expect(stale.status).toBe(1);
    expect(stale.stdout).toContain('stale: generated/.env.development');
    expect(stale.stdout).toMatch(/npm run gen|portbook gen/);
    const gen = await run('npm', ['run', 'gen'], dir);
    expect(gen.status).toBe(0);
    expect(gen.stdout).toContain('updated generated/.env.development');
    const fresh = await portbook(dir, 'check');
    expect(fresh.status).toBe(0);
    expect(fresh.stdout).toContain('generated/ is up to date');
  });

  // gen --watch's edits wait for the watcher's inotify watches (see inotifyWatches), which only Linux shows
  it.concurrent('gen --watch regenerates on save, keeps the last good outputs on a broken save, and ends with 0 on SIGINT', { skip: !canSeeWatches }, async ({
    expect,
  }) => {
    const dir = copy(base, 'watch');
    const templates = path.join(dir, 'templates');
    const child = spawn(process.execPath, ['node_modules/portbook/bin/portbook.cjs', 'gen', '--watch'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    const output = (): string => `(stdout so far ${JSON.stringify(stdout)}, stderr ${JSON.stringify(stderr)})`;
    /** Until the watcher watches `directory`: only then can it see what the test does there next. */
    const watching = (directory: string): Promise<void> =>
      until(
        () => {
          if (child.exitCode !== null || child.signalCode !== null) throw new Error(`gen --watch ended (${child.exitCode ?? child.signalCode}) ${output()}`);
          return existsSync(directory) && inotifyWatches(child.pid!).has(inode(directory));
        },
        () => `gen --watch to watch ${path.relative(dir, directory) || '.'} ${output()}`,
      );
    try {
      await until(
        () => stdout.includes('watching'),
        () => `"watching" on stdout ${output()}`,
      );
      expect(stdout).toContain('watching docs/PORTS.md');
      expect(stdout).toContain('and templates/ (once it exists)');
      await watching(path.join(dir, 'docs'));
      await watching(dir); // where templates/ will appear

      const updates = stdout.length;
      editRegistry(dir, '`16101`', '`16105`');
      await until(
        () => envDevelopment(dir).includes('API_SERVER_PORT=16105'),
        () => `generated/.env.development to show 16105 ${output()}`,
      );
      await until(
        () => stdout.slice(updates).includes('updated generated/.env.development'),
        () => `the update on stdout ${output()}`,
      );

      // a templates directory made while watching counts from then on
      mkdirSync(templates);
      await watching(templates);
      writeFileSync(path.join(templates, 'hello.txt.hbs'), 'hello\n');
      await until(
        () => existsSync(path.join(dir, 'generated', 'hello.txt')),
        () => `generated/hello.txt from a template in a new templates/ ${output()}`,
      );
      // removed and made again (a git checkout): still watched
      rmSync(templates, { recursive: true });
      await until(
        () => !existsSync(path.join(dir, 'generated', 'hello.txt')),
        () => `generated/hello.txt removed with its template ${output()}`,
      );
      mkdirSync(templates);
      await watching(templates);
      writeFileSync(path.join(templates, 'again.txt.hbs'), 'again\n');
      await until(
        () => existsSync(path.join(dir, 'generated', 'again.txt')),
        () => `generated/again.txt from a templates/ made again ${output()}`,
      );
      // the run has finished once it says so (the file appears before the manifest is renamed and the journal removed)
      await until(
        () => stdout.includes('created generated/again.txt'),
        () => `the run that created generated/again.txt to end ${output()}`,
      );
      const good = snapshot(path.join(dir, 'generated'));

      // the save's own report: a run that read the file half-saved (empty) would print "kept" without this diagnostic
      const reports = stderr.length;
      const duplicate = new RegExp(`^docs/PORTS\\.md:${duplicateLine}:\\d+ error .*port-duplicate$`, 'm');
      editRegistry(dir, '`16105`', '`16100`');
      await until(
        () => duplicate.test(stderr.slice(reports)),
        () => `the port-duplicate error on stderr ${output()}`,
      );
      await until(
        () => stderr.slice(reports).includes('kept the last good outputs'),
        () => `"kept the last good outputs" on stderr ${output()}`,
      );
      expect(snapshot(path.join(dir, 'generated'))).toEqual(good);
      expect(envDevelopment(dir)).toContain('API_SERVER_PORT=16105');

      child.kill('SIGINT');
      expect(await exited).toEqual({ code: 0, signal: null });
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });

  it.concurrent('validates candidates before replacing, and reloads once per change', async ({ expect }) => {
    const dir = copy(base, 'deploy');
    const configFile = path.join(dir, 'portbook.config.json');
    const config = JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
    const withCommands = (commands: Record<string, string>): void =>
      writeFileSync(configFile, `${JSON.stringify({ ...config, commands: { env: commands } }, null, 2)}\n`);
    const reloads = (): string[] =>
      existsSync(path.join(dir, 'reload.log')) ? readFileSync(path.join(dir, 'reload.log'), 'utf8').split('\n').filter(Boolean) : [];
    const outputs = snapshot(path.join(dir, 'generated'));

    withCommands({ validate: 'grep -q NEVER {files}', reload: 'echo reloaded >> reload.log' });
    editRegistry(dir, '`16101`', '`16105`');
    const refused = await portbook(dir, 'gen');
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('validation of env failed');
    expect(snapshot(path.join(dir, 'generated'))).toEqual(outputs);
    expect(envDevelopment(dir)).toContain('API_SERVER_PORT=16101');
    expect(reloads()).toEqual([]);

    withCommands({ validate: 'test -s {file}', reload: 'echo reloaded >> reload.log' });
    const accepted = await portbook(dir, 'gen');
    expect(accepted.status).toBe(0);
    expect(accepted.stdout).toContain('updated generated/.env.development');
    expect(accepted.stdout).toContain('reloaded env: echo reloaded >> reload.log');
    expect(envDevelopment(dir)).toContain('API_SERVER_PORT=16105');
    expect(reloads()).toEqual(['reloaded']);

    const again = await portbook(dir, 'gen');
    expect(again.status).toBe(0);
    expect(again.stdout).toContain('generated/ is up to date');
    expect(reloads()).toEqual(['reloaded']);
  });

  /** `portbook check` on a clean checkout of HEAD: are the committed outputs the ones the committed registry makes? */
  async function checkHead(dir: string, name: string): Promise<Run> {
    const tree = path.join(root, name);
    await ok('git', ['worktree', 'add', '--quiet', '--detach', tree, 'HEAD'], dir);
    return await run(process.execPath, [path.join(dir, 'node_modules', 'portbook', 'bin', 'portbook.cjs'), 'check'], tree);
  }

  it.concurrent('a commit of a partially staged registry is refused: the outputs would not match the committed registry', async ({ expect }) => {
    const dir = copy(base, 'partial');
    editRegistry(dir, '`16101`', '`16105`');
    await git(dir, 'add', 'docs/PORTS.md'); // staged: API Server moves
    editRegistry(dir, '`16100`', '`16109`'); // not staged (yet): Web Frontend moves too
    const commit = await git(dir, 'commit', '-m', 'move the API only');
    expect(commit.status).toBe(1);
    expect(commit.stderr).toContain('docs/PORTS.md has changes that are not staged');
    expect(commit.stderr).toContain('git stash --keep-index');
    expect(readFileSync(registryOf(dir), 'utf8')).toContain('`16109`'); // the unstaged edit is not lost
    const head = await checkHead(dir, 'partial-head');
    expect(head.stdout).toContain('generated/ is up to date');
    expect(head.status).toBe(0);
  });

  it.concurrent('a commit naming the registry on the command line (git commit docs/PORTS.md) is refused, and git add + commit works', async ({ expect }) => {
    const dir = copy(base, 'pathspec');
    editRegistry(dir, '`16101`', '`16105`');
    const refused = await git(dir, 'commit', '-m', 'move', 'docs/PORTS.md');
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('`git commit <paths>` commits from a temporary index');
    expect((await git(dir, 'show', 'HEAD:generated/.env.development')).stdout).toContain('API_SERVER_PORT=16101');
    await git(dir, 'add', 'docs/PORTS.md');
    const commit = await git(dir, 'commit', '-m', 'move');
    expect(commit.status).toBe(0);
    expect((await git(dir, 'show', 'HEAD:generated/.env.development')).stdout).toContain('API_SERVER_PORT=16105');
    expect.soft((await git(dir, 'status', '--porcelain')).stdout).toBe('');
    // the next, unrelated commit must not take the outputs back to the old ports
    writeFileSync(path.join(dir, 'README.txt'), 'hello\n');
    await git(dir, 'add', 'README.txt');
    expect((await git(dir, 'commit', '-m', 'readme')).status).toBe(0);
    expect((await git(dir, 'show', 'HEAD:generated/.env.development')).stdout).toContain('API_SERVER_PORT=16105');
    expect((await checkHead(dir, 'pathspec-head')).status).toBe(0);
  });

  it.concurrent('the hook works when the project is a subdirectory of the git repository (init supports that)', async ({ expect }) => {
    const mono = path.join(root, 'monorepo');
    const app = path.join(mono, 'packages', 'app');
    mkdirSync(app, { recursive: true });
    await ok('git', ['init', '-q'], mono);
    await ok('git', ['config', 'user.email', 'e2e@example.com'], mono);
    await ok('git', ['config', 'user.name', 'portbook e2e'], mono);
    copyProject(template, app, false);
    writeFileSync(path.join(mono, '.gitignore'), 'node_modules/\n');
    const init = await npxPortbook(app, 'init');
    expect(init.status).toBe(0);
    expect((await git(mono, 'config', 'core.hooksPath')).stdout.trim()).toBe('packages/app/.githooks');
    await git(mono, 'add', '-A');
    const first = await git(mono, 'commit', '-m', 'init');
    expect(withoutNpmWarnings(first.stderr)).toBe('');
    expect(first.status).toBe(0);

    editRegistry(app, '`16101`', '`16105`');
    await git(app, 'add', 'docs/PORTS.md');
    const move = await git(app, 'commit', '-m', 'move');
    expect(move.status).toBe(0);
    expect((await git(mono, 'show', '--name-only', '--format=', 'HEAD')).stdout).toContain('packages/app/generated/.env.development');
    expect((await git(mono, 'status', '--porcelain')).stdout).toBe('');
  });

  describe.concurrent('hook install wires the manager the repository already uses', () => {
    it.concurrent('husky: .husky/pre-commit', async ({ expect }) => {
      const dir = copy(template, 'husky');
      mkdirSync(path.join(dir, '.husky'));
      const install = await portbook(dir, 'hook', 'install');
      expect(install.status).toBe(0);
      expect(install.stdout).toContain('(husky)');
      const hook = path.join(dir, '.husky', 'pre-commit');
      expect(readFileSync(hook, 'utf8')).toContain('portbook pre-commit');
      expect(statSync(hook).mode & 0o111).toBe(0o111);
      expect((await git(dir, 'config', 'core.hooksPath')).status).toBe(1); // husky's business, not portbook's
      expect(existsSync(path.join(dir, '.githooks'))).toBe(false);

      const again = await portbook(dir, 'hook', 'install');
      expect(again.status).toBe(0);
      expect(again.stdout).toContain('already wired');
    });

    it.concurrent('lefthook: appends a pre-commit block with stage_fixed', async ({ expect }) => {
      const dir = copy(template, 'lefthook');
      const existing = 'pre-push:\n  commands:\n    lint:\n      run: echo lint\n';
      writeFileSync(path.join(dir, 'lefthook.yml'), existing);
      const install = await portbook(dir, 'hook', 'install');
      expect(install.status).toBe(0);
      expect(install.stdout).toContain('(lefthook)');
      const text = readFileSync(path.join(dir, 'lefthook.yml'), 'utf8');
      expect(text.startsWith(existing)).toBe(true);
      expect(text.slice(existing.length)).toMatch(/^\npre-commit:\n {2}commands:\n {4}portbook:\n {6}run: .*portbook pre-commit\n {6}stage_fixed: true\n$/);
      expect((await git(dir, 'config', 'core.hooksPath')).status).toBe(1);
    });

    it.concurrent('simple-git-hooks: sets its pre-commit in package.json', async ({ expect }) => {
      const dir = copy(template, 'simple-git-hooks');
      writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify({ ...packageJson(dir), 'simple-git-hooks': {} }, null, 2)}\n`);
      const install = await portbook(dir, 'hook', 'install');
      expect(install.status).toBe(0);
      expect(install.stdout).toContain('(simple-git-hooks)');
      const hooks = packageJson(dir)['simple-git-hooks'] as Record<string, string>;
      expect(hooks['pre-commit']).toContain('portbook pre-commit');
      expect(packageJson(dir).scripts?.prepare).toBeUndefined();
      expect((await git(dir, 'config', 'core.hooksPath')).status).toBe(1);
    });
  });
});
