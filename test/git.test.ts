/** The git operations gen --stage and the hook rely on. */
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stage } from '../src/git/git.js';
import { temporaryDirs } from './helpers.js';

const temporaryDir = temporaryDirs('git');
const git = (cwd: string, ...args: string[]): string => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

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
