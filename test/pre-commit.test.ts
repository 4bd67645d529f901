/**
 * The hook (`portbook pre-commit`) in throwaway git repositories: every
 * refusal ends with "commit aborted" and the bypass; a staged output that
 * differs from what gen renders is refused even when the registry is not
 * part of the commit, judged by what is staged, not by the work tree.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { commitAborted } from '../src/cli/main.js';
import { runCli, temporaryDirs, writeProject } from './helpers.js';

const temporaryDir = temporaryDirs('pre-commit');
const bin = new URL('../bin/portbook.cjs', import.meta.url).pathname;
const registry = '| Service | Port |\n|---|---|\n| api | 16000 |\n| web | 16001 |\n';

/** The environment without a GIT_INDEX_FILE of a hook that runs these tests. */
const { GIT_INDEX_FILE: _index, ...cleanEnv } = process.env;

function git(dir: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('git', args, { cwd: dir, encoding: 'utf8', env: cleanEnv });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function ok(dir: string, ...args: string[]): string {
  const result = git(dir, ...args);
  if (result.status !== 0) throw new Error(`git ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return result.stdout;
}

/** A project with its outputs generated and everything committed. */
function repository(): string {
  const dir = writeProject(temporaryDir(), registry);
  expect(runCli(['gen'], dir).code).toBe(0);
  ok(dir, 'init', '-q');
  ok(dir, 'config', 'user.email', 'hook@example.com');
  ok(dir, 'config', 'user.name', 'portbook hook test');
  ok(dir, 'config', 'commit.gpgsign', 'false');
  ok(dir, 'add', '-A');
  ok(dir, 'commit', '-q', '-m', 'start');
  return dir;
}

const read = (dir: string, file: string): string => readFileSync(path.join(dir, file), 'utf8');
const edit = (dir: string, file: string, from: string, to: string): void => writeFileSync(path.join(dir, file), read(dir, file).replace(from, to));
const hook = (dir: string) => runCli(['pre-commit'], dir);

describe('portbook pre-commit', () => {
  it('is quiet when the commit touches neither the inputs nor the outputs, even with a hand edit left in the work tree', () => {
    const dir = repository();
    writeFileSync(path.join(dir, 'README.txt'), 'hello\n');
    edit(dir, 'generated/.env', 'API_PORT=16000', 'API_PORT=16009'); // not staged: not part of this commit
    ok(dir, 'add', 'README.txt');
    expect(hook(dir)).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('regenerates and stages the outputs when the registry is staged', () => {
    const dir = repository();
    edit(dir, 'docs/PORTS.md', '16000', '16005');
    ok(dir, 'add', 'docs/PORTS.md');
    const result = hook(dir);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^portbook: regenerated and staged \d+ files\n$/);
    expect(ok(dir, 'show', ':generated/.env')).toContain('API_PORT=16005');
  });

  it('refuses a staged hand edit of a generated file although the registry is not in the commit: the file, the port line, the fix', () => {
    const dir = repository();
    edit(dir, 'generated/.env', 'API_PORT=16000', 'API_PORT=16009');
    ok(dir, 'add', 'generated/.env');
    const result = hook(dir);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('portbook: generated/.env is staged with content gen would not write (edited by hand, or staged without its registry):\n');
    // the diff is the port line, not the stamp line
    expect(result.stderr).toContain('  -API_PORT=16009\n  +API_PORT=16000\n');
    expect(result.stderr).not.toMatch(/portbook:sha256:[0-9a-f]/);
    expect(result.stderr).toContain(
      '\nTo commit what gen writes, run `portbook gen --force` to restore it, then `git add generated/.env`. To keep a change, move it into the registry or a template, run `npm run gen` (or `portbook gen`), then `git add generated/.env`.\n',
    );
    expect(result.stderr.endsWith(`${commitAborted}\n`)).toBe(true);
    // the advice works
    expect(runCli(['gen', '--force'], dir).code).toBe(0);
    ok(dir, 'add', 'generated/.env');
    expect(hook(dir)).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('judges what is staged, not the work tree', () => {
    const dir = repository();
    // staged: a hand edit; work tree: what gen writes
    edit(dir, 'generated/.env', 'API_PORT=16000', 'API_PORT=16009');
    ok(dir, 'add', 'generated/.env');
    expect(runCli(['gen', '--force'], dir).code).toBe(0);
    const stale = hook(dir);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('\nTo commit what gen writes, run `git add generated/.env`: the work tree already holds it.');

    // staged: what gen writes; work tree: a hand edit made afterwards
    const other = repository();
    edit(other, 'generated/.env', 'API_PORT=16000', 'API_PORT=16009');
    ok(other, 'commit', '-q', '-a', '-m', 'a stale output, committed without the hook');
    expect(runCli(['gen', '--force'], other).code).toBe(0);
    ok(other, 'add', 'generated/.env');
    edit(other, 'generated/.env', 'WEB_PORT=16001', 'WEB_PORT=16008');
    expect(hook(other)).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('refuses a commit that deletes an output gen writes, and lets files gen does not write pass', () => {
    const dir = repository();
    ok(dir, 'rm', '-q', 'generated/settings.py');
    const deleted = hook(dir);
    expect(deleted.code).toBe(1);
    expect(deleted.stderr).toContain('portbook: generated/settings.py is deleted in this commit, but gen writes it.\n');
    expect(deleted.stderr).toContain('run `npm run gen` (or `portbook gen`) to restore it, then `git add generated/settings.py`');
    expect(deleted.stderr.endsWith(`${commitAborted}\n`)).toBe(true);

    const extra = repository();
    writeFileSync(path.join(extra, 'generated/NOTES.md'), 'ours\n');
    ok(extra, 'add', 'generated/NOTES.md');
    expect(hook(extra)).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('lets a manifest through whose record of the inputs alone differs, and refuses one that is deleted', () => {
    const dir = repository();
    edit(
      dir,
      'generated/.portbook-manifest.json',
      /"inputs": "[0-9a-f]+"/.exec(read(dir, 'generated/.portbook-manifest.json'))![0],
      '"inputs": "portbook 0.0.9"',
    );
    ok(dir, 'add', 'generated/.portbook-manifest.json');
    expect(hook(dir)).toEqual({ code: 0, stdout: '', stderr: '' });
    ok(dir, 'rm', '-q', '--cached', 'generated/.portbook-manifest.json');
    const deleted = hook(dir);
    expect(deleted.code).toBe(1);
    expect(deleted.stderr).toContain('portbook: generated/.portbook-manifest.json is deleted in this commit, but gen writes it.\n');
  });

  it('ends every refusal with "commit aborted" and the bypass: registry errors, unstaged edits, hand edits gen would overwrite', () => {
    const broken = repository();
    edit(broken, 'docs/PORTS.md', '16001', '16000');
    ok(broken, 'add', 'docs/PORTS.md');
    const errors = hook(broken);
    expect(errors.code).toBe(1);
    expect(errors.stderr).toMatch(/^docs\/PORTS\.md:4:9 error .* port-duplicate\n\n1 error in docs\/PORTS\.md: nothing was written\.\n/);
    expect(errors.stderr.endsWith(`${commitAborted}\n`)).toBe(true);

    const partial = repository();
    edit(partial, 'docs/PORTS.md', '16000', '16005');
    ok(partial, 'add', 'docs/PORTS.md');
    edit(partial, 'docs/PORTS.md', '16001', '16006');
    expect(hook(partial)).toEqual({
      code: 1,
      stdout: '',
      stderr: `portbook: docs/PORTS.md has changes that are not staged, so the outputs would not match the commit: stage them (\`git add docs/PORTS.md\`) or stash them (\`git stash --keep-index\`), then commit again\n${commitAborted}\n`,
    });

    // outputs staged while the registry has edits that are not: the outputs cannot be checked against the commit
    const outputsOnly = repository();
    edit(outputsOnly, 'docs/PORTS.md', '16000', '16005');
    expect(runCli(['gen'], outputsOnly).code).toBe(0);
    ok(outputsOnly, 'add', 'generated');
    const unchecked = hook(outputsOnly);
    expect(unchecked.code).toBe(1);
    expect(unchecked.stderr).toContain('docs/PORTS.md has changes that are not staged, so the staged outputs cannot be checked against what is committed');
    expect(unchecked.stderr.endsWith(`${commitAborted}\n`)).toBe(true);

    const conflict = repository();
    edit(conflict, 'generated/.env', 'WEB_PORT=16001', 'WEB_PORT=16009');
    edit(conflict, 'docs/PORTS.md', '16000', '16005');
    ok(conflict, 'add', 'docs/PORTS.md');
    const refused = hook(conflict);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('portbook: generated/.env was edited by hand since portbook wrote it:\n');
    expect(refused.stderr.endsWith(`${commitAborted}\n`)).toBe(true);
  });

  it('refuses `git commit <paths>` of the registry, with the bypass', () => {
    const dir = repository();
    edit(dir, 'docs/PORTS.md', '16000', '16005');
    // what `git commit docs/PORTS.md` hands the hook: a temporary index with the registry in it
    const index = path.join(dir, '.git', 'next-index-4242.lock');
    copyFileSync(path.join(dir, '.git', 'index'), index);
    const added = spawnSync('git', ['add', 'docs/PORTS.md'], { cwd: dir, env: { ...cleanEnv, GIT_INDEX_FILE: index } });
    expect(added.status).toBe(0);
    const previous = process.env.GIT_INDEX_FILE;
    process.env.GIT_INDEX_FILE = index;
    try {
      const result = hook(dir);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('`git commit <paths>` commits from a temporary index');
      expect(result.stderr.endsWith(`${commitAborted}\n`)).toBe(true);
    } finally {
      if (previous === undefined) delete process.env.GIT_INDEX_FILE;
      else process.env.GIT_INDEX_FILE = previous;
    }
  });

  it('refuses staged outputs when the committed registry has errors, without its warnings otherwise', () => {
    const dir = repository();
    edit(dir, 'docs/PORTS.md', '16001', '16000');
    ok(dir, 'commit', '-q', '-a', '-m', 'a broken registry, committed without the hook');
    edit(dir, 'generated/.env', 'API_PORT=16000', 'API_PORT=16009');
    ok(dir, 'add', 'generated/.env');
    const result = hook(dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('1 error in docs/PORTS.md: the staged outputs were not checked against it.\n');
    expect(result.stderr.endsWith(`${commitAborted}\n`)).toBe(true);
  });
});

describe('the hook in a real commit', () => {
  it('aborts a commit of a hand-edited output; --no-verify bypasses it, as the message says', () => {
    const dir = repository();
    const hooks = path.join(dir, '.git', 'hooks');
    mkdirSync(hooks, { recursive: true });
    writeFileSync(path.join(hooks, 'pre-commit'), `#!/bin/sh\nexec "${process.execPath}" "${bin}" pre-commit\n`);
    chmodSync(path.join(hooks, 'pre-commit'), 0o755);
    const head = ok(dir, 'rev-parse', 'HEAD');
    edit(dir, 'generated/.env', 'API_PORT=16000', 'API_PORT=16009');
    ok(dir, 'add', 'generated/.env');
    const commit = git(dir, 'commit', '-m', 'hand edit');
    expect(commit.status).toBe(1);
    expect(commit.stderr).toContain('portbook: generated/.env is staged with content gen would not write');
    expect(commit.stderr).toContain(commitAborted);
    expect(ok(dir, 'rev-parse', 'HEAD')).toBe(head);
    expect(git(dir, 'commit', '-q', '--no-verify', '-m', 'hand edit, on purpose').status).toBe(0);
    expect(ok(dir, 'show', 'HEAD:generated/.env')).toContain('API_PORT=16009');
  });
});
