/** The git operations gen --stage and the hook rely on. */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repositoryRoot, stage } from '../src/git/git.js';
import { temporaryDirs } from './helpers.js';

const temporaryDir = temporaryDirs('git');
const git = (cwd: string, ...args: string[]): string => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const bin = new URL('../bin/portbook.cjs', import.meta.url).pathname;

describe('repositoryRoot', () => {
  it('finds the work tree from a directory inside it, and starts no git outside any repository', () => {
    const outside = temporaryDir();
    // a git that notes each call, then runs the real one
    const fake = temporaryDir();
    const calls = path.join(fake, 'calls');
    writeFileSync(
      path.join(fake, 'git'),
      `#!/bin/sh\necho "$*" >> '${calls}'\nexec '${execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim()}' "$@"\n`,
    );
    chmodSync(path.join(fake, 'git'), 0o755);
    const gen = (cwd: string): number | null => {
      mkdirSync(path.join(cwd, 'docs'), { recursive: true });
      writeFileSync(path.join(cwd, 'docs/PORTS.md'), '| Service | Port |\n|---|---|\n| api | 16000 |\n');
      const { GIT_DIR: _dir, GIT_WORK_TREE: _tree, ...rest } = process.env;
      const env = { ...rest, PATH: `${fake}${path.delimiter}${process.env.PATH}` };
      return spawnSync(process.execPath, [bin, 'gen'], { cwd, env }).status;
    };
    expect(repositoryRoot(outside)).toBeUndefined();
    expect(gen(outside)).toBe(0);
    expect(existsSync(calls)).toBe(false);
    const inside = temporaryDir();
    git(inside, 'init', '-q');
    mkdirSync(path.join(inside, 'a/b'), { recursive: true });
    expect(repositoryRoot(path.join(inside, 'a/b'))).toBe(git(inside, 'rev-parse', '--show-toplevel').trim());
    expect(gen(inside)).toBe(0);
    expect(existsSync(calls)).toBe(true);
  });
});

describe('stage', () => {
  it('stages changes and deletions of tracked files, and passes over a removed file git never tracked', () => {
    const root = temporaryDir();
    git(root, 'init', '-q');
    writeFileSync(path.join(root, 'tracked.txt'), 'one\n');
    writeFileSync(path.join(root, 'gone.txt'), 'two\n');
    git(root, 'add', '.');
    git(root, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'start');
    writeFileSync(path.join(root, 'tracked.txt'), 'changed\n');
    rmSync(path.join(root, 'gone.txt'));
    writeFileSync(path.join(root, 'never.txt'), 'x\n');
    rmSync(path.join(root, 'never.txt')); // created and removed by a run: git never saw it
    const files = ['tracked.txt', 'gone.txt', 'never.txt'].map((name) => path.join(root, name));
    expect(stage(root, files)).toEqual({ ignored: [] });
    expect(git(root, 'diff', '--cached', '--name-status').trim().split('\n').sort()).toEqual(['D\tgone.txt', 'M\ttracked.txt']);
  });
});
