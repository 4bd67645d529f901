/**
 * Inputs and outputs that are not what they seem: a registry, config,
 * template or output that is a FIFO or a device (gen must refuse it, never
 * wait on it or read it forever), and a link on an output's path that loops.
 * Each runs the installed CLI (fast path included) as a child with a time
 * limit far above what a refusal takes: a run that hangs is killed and fails
 * the test, instead of hanging the suite.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fastPath } from '../src/cli/fast.js';
import { temporaryDirs, writeProject } from './helpers.js';

const bin = new URL('../bin/portbook.cjs', import.meta.url).pathname;
const temporaryDir = temporaryDirs('fault-inputs');
const registry = '| Service | Port |\n|---|---|\n| api | 16000 |\n';
/** A hang guard, not a budget: a refusal takes well under a second, a hang forever. */
const limit = 120_000;

function portbook(args: string[], cwd: string) {
  const run = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', timeout: limit, killSignal: 'SIGKILL' });
  return { status: run.status, signal: run.signal, stdout: run.stdout, stderr: run.stderr };
}

/** Make a FIFO `name` in `dir`; returns `name`. */
function mkfifo(dir: string, name: string): string {
  const made = spawnSync('mkfifo', [path.join(dir, name)]);
  if (made.status !== 0) throw new Error(`mkfifo ${name}: ${made.stderr}`);
  return name;
}

/** A refusal: exit 2, one line saying what is wrong, no stack trace, no hang. */
function refused(result: ReturnType<typeof portbook>, message: RegExp): void {
  expect(result.signal, 'the run hung and was killed').toBeNull();
  expect(result.stderr).not.toMatch(/\n\s+at /);
  expect(result).toMatchObject({ status: 2, stderr: expect.stringMatching(message) });
}

const quiet = (cwd: string) => ({ stdout: () => undefined, stderr: () => undefined, cwd });

describe.skipIf(process.platform === 'win32')('a registry, config, template or output that is not a regular file', () => {
  it.for([
    { name: 'a FIFO', make: (dir: string) => mkfifo(dir, 'ports.fifo'), kind: 'a FIFO' },
    { name: '/dev/zero', make: () => '/dev/zero', kind: 'a character device' },
    { name: '/dev/urandom', make: () => '/dev/urandom', kind: 'a character device' },
  ])('a registry that is $name: gen and check refuse it at once', ({ make, kind }) => {
    const dir = writeProject(temporaryDir(), registry);
    const source = make(dir);
    for (const command of ['gen', 'check']) {
      refused(portbook([command, '--source', source], dir), new RegExp(`^portbook: Cannot read \\S+: it is ${kind}, not a regular file\\n$`));
    }
    // the fast path steps aside (it never reads one either) and the full run says why
    expect(fastPath(['gen', '--source', source], quiet(dir))).toBeUndefined();
  });

  it.for([
    { name: 'a FIFO', make: (dir: string) => mkfifo(dir, 'portbook.config.json'), kind: 'a FIFO' },
    { name: '/dev/zero', make: () => '/dev/zero', kind: 'a character device' },
  ])('a config that is $name: refused at once', ({ make, kind }) => {
    const dir = writeProject(temporaryDir(), registry);
    const config = make(dir);
    // found by name in the project root, or named with --config
    const args = config === 'portbook.config.json' ? ['gen'] : ['gen', '--config', config];
    refused(portbook(args, dir), new RegExp(`^portbook: Cannot read config \\S+: it is ${kind}, not a regular file\\n$`));
  });

  it('an output that is a FIFO: refused (portbook writes only regular files), by the fast path too', () => {
    const dir = writeProject(temporaryDir(), registry);
    expect(portbook(['gen'], dir).status).toBe(0);
    rmSync(path.join(dir, 'generated/.env'));
    mkfifo(dir, 'generated/.env');
    for (const command of ['gen', 'check']) {
      refused(portbook([command], dir), /^portbook: Cannot write \S+\/generated\/\.env: it is a FIFO, and portbook writes only regular files\n$/);
    }
    expect(fastPath(['check'], quiet(dir))).toBeUndefined();
  });

  it('a project template that is a FIFO or a device is skipped, never read; one past the size limit is refused', () => {
    const dir = writeProject(temporaryDir(), registry);
    mkdirSync(path.join(dir, 'templates'));
    mkfifo(dir, 'templates/fifo.txt.hbs');
    symlinkSync('/dev/zero', path.join(dir, 'templates/zero.txt.hbs'));
    const run = portbook(['gen'], dir);
    expect(run.signal, 'the run hung and was killed').toBeNull();
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).not.toMatch(/fifo\.txt|zero\.txt/);
    writeFileSync(path.join(dir, 'templates/big.txt.hbs'), Buffer.alloc(5 * 1024 * 1024 + 1, 'x'));
    refused(portbook(['gen'], dir), /^portbook: Cannot read template \S+big\.txt\.hbs: 5242881 bytes is more than the 5242880-byte limit\n$/);
  });
});

describe('a link on an output’s path that loops', () => {
  it.for([
    {
      name: 'an output directory (generated/nginx -> nginx)',
      loop: 'generated/nginx',
      to: 'nginx',
      refusal: /^portbook: Unexpected loop of links: \S+\/generated\/nginx is a link that leads back to itself/,
    },
    {
      name: 'an output file (generated/.env -> .env)',
      loop: 'generated/.env',
      to: '.env',
      refusal: /^portbook: Refusing output path "\.env": \S+\/generated\/\.env is a link that leads back to itself/,
    },
    {
      name: 'the output directory itself (generated -> generated)',
      loop: 'generated',
      to: 'generated',
      refusal: /^portbook: Unexpected loop of links: \S+\/generated is a link that leads back to itself/,
    },
  ])('$name: gen and check refuse it with exit 2, and the fast path leaves it to them', ({ loop, to, refusal }) => {
    const dir = writeProject(temporaryDir(), registry);
    expect(portbook(['gen'], dir).status).toBe(0);
    const link = path.join(dir, loop);
    rmSync(link, { recursive: true });
    symlinkSync(to, link);
    for (const command of ['gen', 'check']) {
      const result = portbook([command], dir);
      refused(result, refusal);
      expect(result.stderr).toMatch(/; remove the link, or point it at a real directory or file\n$/);
    }
    expect(fastPath(['gen'], quiet(dir))).toBeUndefined();
    expect(fastPath(['check'], quiet(dir))).toBeUndefined();
    // nothing was written through it or beside it
    expect(readFileSync(path.join(dir, 'docs/PORTS.md'), 'utf8')).toBe(registry);
  });
});
