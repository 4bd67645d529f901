/**
 * The write race (#19): something that can write inside the output directory
 * swaps its directories for links to elsewhere, in a tight loop, while gen
 * runs again and again. Whatever gen answers (it may refuse), nothing may
 * ever be written outside the output directory.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { temporaryDirs, writeProject } from './helpers.js';

const temporaryDir = temporaryDirs('race');
const bin = new URL('../bin/portbook.cjs', import.meta.url).pathname;

/** A registry with outputs two and three directories deep, whose ports move with `round` so every gen writes. */
function registry(round: number): string {
  const rows = (base: number): string => Array.from({ length: 6 }, (_, index) => `| svc${index} | ${base + index + (round % 2) * 100} | HTTP |`).join('\n');
  return [
    '## Development',
    '| Service | Port | Protocol |',
    '|---|---|---|',
    rows(16000),
    '',
    '## Production',
    '| Service | Port | Protocol |',
    '|---|---|---|',
    rows(17000),
    '',
  ].join('\n');
}

/** Every file and link under `dir`. */
function entries(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? [full, ...entries(full)] : [full];
  });
}

/**
 * A swapper, run as `node -e`: over and over, for each directory `targets`
 * names (code that sees `process.argv`'s rest as `args`, and `fs`, `path`),
 * renames it aside, puts a link to `outside` in its place (held `holdMs`, so a
 * write by path has time to go through it), and puts it back, counting the
 * swaps into `counter` until SIGTERM.
 */
const swapperScript = (targets: string, rounds: number, holdMs = 0): string => `
const fs = require('node:fs');
const path = require('node:path');
const [outside, counter, ...args] = process.argv.slice(1);
const targets = () => ${targets};
const pause = new Int32Array(new SharedArrayBuffer(4));
let swaps = 0;
let running = true;
process.on('SIGTERM', () => { running = false; });
const tick = () => {
  for (let i = 0; i < ${rounds} && running; i++) {
    for (const dir of targets()) {
      try {
        fs.renameSync(dir, dir + '.real');
        fs.symlinkSync(outside, dir);
        if (${holdMs} > 0) Atomics.wait(pause, 0, 0, ${holdMs});
        fs.unlinkSync(dir);
        fs.renameSync(dir + '.real', dir);
        swaps++;
      } catch {}
    }
  }
  fs.writeFileSync(counter, String(swaps));
  if (running) setImmediate(tick);
  else process.exit(0);
};
tick();
`;

/** The swapper of the output's directories: each directory given, as fast as it can. */
const swapper = swapperScript('args', 50);

describe('the write race', () => {
  it('never writes outside the output directory while its directories are swapped for links', { timeout: 600_000 }, async () => {
    const dir = writeProject(temporaryDir(), registry(0));
    const outside = path.join(temporaryDir(), 'outside');
    mkdirSync(outside);
    writeFileSync(path.join(dir, 'portbook.config.json'), JSON.stringify({ targets: ['env', 'nginx', 'systemd'] }));
    const first = spawnSync(process.execPath, [bin, 'gen'], { cwd: dir, encoding: 'utf8' });
    expect(first.status, first.stderr).toBe(0);
    const out = path.join(dir, 'generated');
    const targets = ['systemd', 'systemd/production', 'systemd/development', 'nginx'].map((each) => path.join(out, each));
    const counter = path.join(temporaryDir(), 'swaps');
    const child = spawn(process.execPath, ['-e', swapper, outside, counter, ...targets], { stdio: 'ignore' });
    const swaps = (): number => (existsSync(counter) ? Number(readFileSync(counter, 'utf8')) || 0 : 0);
    const answers = new Map<number | null, number>();
    try {
      let round = 1;
      // at least 100 swaps, and at least 30 runs of gen while they happen
      while (round <= 30 || swaps() < 100) {
        writeFileSync(path.join(dir, 'docs/PORTS.md'), registry(round));
        const run = spawnSync(process.execPath, [bin, 'gen', '--force'], { cwd: dir, encoding: 'utf8' });
        answers.set(run.status, (answers.get(run.status) ?? 0) + 1);
        expect(run.stderr, `run ${round}`).not.toMatch(/\n\s+at /); // never a stack trace
        expect([0, 1, 2], `run ${round}: ${run.stderr}`).toContain(run.status);
        expect(entries(outside), `run ${round} wrote outside --out`).toEqual([]);
        round += 1;
        if (round > 400) break;
      }
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.on('exit', resolve));
      // put back whatever the last swap left half done
      // (deepest first: a parent's own swap may be half done too)
      for (const target of [...targets].reverse()) {
        if (!existsSync(`${target}.real`)) continue;
        const stands = lstatSync(target, { throwIfNoEntry: false });
        if (stands?.isSymbolicLink()) unlinkSync(target);
        else if (stands) rmSync(target, { recursive: true, force: true });
        renameSync(`${target}.real`, target);
      }
    }
    expect(swaps()).toBeGreaterThanOrEqual(100);
    expect(entries(outside)).toEqual([]);
    // and after the race, gen repairs whatever the refused runs left
    rmSync(outside, { recursive: true, force: true });
    const after = spawnSync(process.execPath, [bin, 'gen', '--force'], { cwd: dir, encoding: 'utf8' });
    expect(after.status, after.stderr).toBe(0);
    expect(spawnSync(process.execPath, [bin, 'check'], { cwd: dir, encoding: 'utf8' }).status).toBe(0);
    // the answers gen gave under the race, for the record (refusals are expected)
    expect([...answers.keys()].every((status) => status === 0 || status === 2 || status === 1)).toBe(true);
  });
});

/** The staging swapper: whichever directory being built for `generated/` stands beside it (in the directory given), the link held 2 ms. */
const stagingSwapper = swapperScript(
  String.raw`fs.readdirSync(args[0]).filter((name) => /^\.generated\.portbook-\d+-[0-9a-f]{8}\.tmp$/.test(name)).map((name) => path.join(args[0], name))`,
  200,
  2,
);

describe('the first-gen race', () => {
  it('never writes outside while the output directory being built is swapped for a link to elsewhere', { timeout: 600_000 }, async () => {
    // enough services that a first gen spends a while building its directory
    const rows = Array.from({ length: 150 }, (_, index) => `| svc${index} | ${16000 + index} | HTTP |`).join('\n');
    const dir = writeProject(temporaryDir(), `## Production\n| Service | Port | Protocol |\n|---|---|---|\n${rows}\n`);
    writeFileSync(path.join(dir, 'portbook.config.json'), JSON.stringify({ targets: ['env', 'nginx', 'systemd'] }));
    const outside = path.join(temporaryDir(), 'outside');
    mkdirSync(outside);
    const aside = temporaryDir();
    const counter = path.join(temporaryDir(), 'swaps');
    const child = spawn(process.execPath, ['-e', stagingSwapper, outside, counter, dir], { stdio: 'ignore' });
    const swaps = (): number => (existsSync(counter) ? Number(readFileSync(counter, 'utf8')) || 0 : 0);
    try {
      // at least 20 swaps while directories were being built, and at least 20 first gens
      for (let round = 1; round <= 20 || swaps() < 20; round++) {
        // the last run's output directory (or a link that a swap put in its place) out of the way: the next gen is a first one
        if (lstatSync(path.join(dir, 'generated'), { throwIfNoEntry: false })) {
          renameSync(path.join(dir, 'generated'), path.join(aside, String(round)));
        }
        const run = spawnSync(process.execPath, [bin, 'gen'], { cwd: dir, encoding: 'utf8' });
        expect(run.stderr, `run ${round}`).not.toMatch(/\n\s+at /);
        expect([0, 1, 2], `run ${round}: ${run.stderr}`).toContain(run.status);
        expect(entries(outside), `run ${round} wrote outside --out`).toEqual([]);
        if (round > 300) break;
      }
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.on('exit', resolve));
    }
    expect(swaps()).toBeGreaterThanOrEqual(20);
    expect(entries(outside)).toEqual([]);
  });
});
