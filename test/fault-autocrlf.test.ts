/**
 * A checkout with git's `core.autocrlf=true` (the default of Git for
 * Windows): every generated file, the manifest and the registry arrive with
 * CRLF line endings. Line endings alone are not an edit: gen leaves such a
 * copy of its exact content as it is (no refusal, no rewrite, no churn), the
 * fast path answers, and the inputs it records are the same on either side,
 * so a Windows and a Linux gen never rewrite the manifest in turn.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fastPath } from '../src/cli/fast.js';
import { runCli, temporaryDirs, writeProject } from './helpers.js';

const bin = new URL('../bin/portbook.cjs', import.meta.url).pathname;
const temporaryDir = temporaryDirs('autocrlf');
const registry = '# Ports\n\n<!-- portbook:diagram -->\n<!-- /portbook:diagram -->\n\n| Service | Port |\n|---|---|\n| api | 16000 |\n| web | 16001 |\n';

const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', ['-c', 'user.name=portbook', '-c', 'user.email=portbook@example.com', ...args], { cwd, encoding: 'utf8' });

function portbook(args: string[], cwd: string) {
  const run = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8' });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** Every file under `root` but .git, with its bytes and mtime. */
function snapshot(root: string): Map<string, { bytes: string; mtime: number }> {
  const files = new Map<string, { bytes: string; mtime: number }>();
  const visit = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === '.git') continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) visit(full);
      else files.set(path.relative(root, full), { bytes: readFileSync(full, 'latin1'), mtime: statSync(full).mtimeMs });
    }
  };
  visit(root);
  return files;
}

describe('a checkout whose files git turned into CRLF (core.autocrlf=true)', () => {
  it('is up to date as it is: gen rewrites nothing, check and the fast path agree, git sees no change', () => {
    const origin = writeProject(temporaryDir(), registry);
    git(origin, 'init', '-q');
    git(origin, 'config', 'core.autocrlf', 'false');
    expect(portbook(['gen'], origin).status).toBe(0);
    git(origin, 'add', '-A');
    git(origin, 'commit', '-q', '-m', 'ports');

    const clone = path.join(temporaryDir(), 'clone');
    git(path.dirname(clone), 'clone', '-q', '-c', 'core.autocrlf=true', origin, clone);
    const checkedOut = snapshot(clone);
    // the premise: git wrote every generated file, the manifest and the registry with CRLF
    for (const file of ['generated/.env', 'generated/.portbook-manifest.json', 'generated/nginx/portbook.conf', 'docs/PORTS.md']) {
      expect(checkedOut.get(file)?.bytes, file).toContain('\r\n');
    }

    // the fast path answers from hashes, line endings aside
    const quiet = { stdout: () => undefined, stderr: () => undefined, cwd: clone };
    expect(fastPath(['gen'], quiet)).toBe(0);
    expect(fastPath(['check'], quiet)).toBe(0);
    // and the full run agrees: nothing to refuse, nothing to rewrite
    expect(portbook(['check'], clone)).toEqual({ status: 0, stdout: 'generated/ is up to date.\n', stderr: '' });
    // the full CLI (in-process: no fast path in front of it)
    const full = runCli(['gen'], clone);
    expect({ code: full.code, stderr: full.stderr }).toEqual({ code: 0, stderr: '' });
    expect(full.stdout).toMatch(/^generated\/ is up to date \(\d+ files\)\.\n$/);
    expect(snapshot(clone), 'gen touched files').toEqual(checkedOut);
    expect(git(clone, 'status', '--porcelain')).toBe('');
  });

  it('a real change is written (as LF), and a CRLF copy of a file is never taken for a hand edit', () => {
    const origin = writeProject(temporaryDir(), registry);
    git(origin, 'init', '-q');
    git(origin, 'config', 'core.autocrlf', 'false');
    expect(portbook(['gen'], origin).status).toBe(0);
    git(origin, 'add', '-A');
    git(origin, 'commit', '-q', '-m', 'ports');
    const clone = path.join(temporaryDir(), 'clone');
    git(path.dirname(clone), 'clone', '-q', '-c', 'core.autocrlf=true', origin, clone);

    const file = path.join(clone, 'docs/PORTS.md');
    writeFileSync(file, readFileSync(file, 'utf8').replace('| web | 16001 |', '| web | 16002 |'));
    const run = portbook(['gen'], clone);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('updated generated/.env\n');
    expect(readFileSync(path.join(clone, 'generated/.env'), 'utf8')).toContain('WEB_PORT=16002\n');
    // files whose content did not change stay as git wrote them
    expect(readFileSync(path.join(clone, 'generated/systemd/api.service.d/portbook.conf'), 'latin1')).toContain('\r\n');
    expect(portbook(['check'], clone)).toEqual({ status: 0, stdout: 'generated/ is up to date.\n', stderr: '' });
    // git, normalising line endings, sees the real change, and nothing where there is none
    const changed = git(clone, 'status', '--porcelain')
      .trim()
      .split('\n')
      .map((line) => line.slice(3));
    expect(changed).toContain('generated/.env');
    expect(changed).not.toContain('generated/systemd/api.service.d/portbook.conf');
  });
});
