/**
 * What a killed run leaves, made by hand with the process id of no live
 * process, and the next `portbook gen` of the installed CLI (bin/portbook.cjs,
 * fast path included) removing it: temporaries beside outputs, directories
 * it was building (beside outputs, in directories this run no longer renders
 * into, and the output directory itself), temporaries beside the registry
 * (its diagram block, fill, add, fix-encoding), and validate's staging
 * directory in the OS temporary directory. Nothing else is touched.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fastPath } from '../src/cli/fast.js';
import { main } from '../src/cli/main.js';
import { temporaryDirs, writeProject } from './helpers.js';

const bin = new URL('../bin/portbook.cjs', import.meta.url).pathname;
/** The kill test's victim: build, plan and apply, blocking after the n-th temporary until killed. */
const killChild = new URL('./fixtures/kill/child.mjs', import.meta.url).pathname;
const temporaryDir = temporaryDirs('debris');

/** A pid above any kernel's pid_max: no process has it. */
const dead = (name: string): string => `.${name}.portbook-999999999-0123abcd.tmp`;

const registry = '# Ports\n\n<!-- portbook:diagram -->\n<!-- /portbook:diagram -->\n\n| Service | Port |\n|---|---|\n| api | 16000 |\n| web | 16001 |\n';

function portbook(args: string[], cwd: string, tmp: string) {
  const run = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', env: { ...process.env, TMPDIR: tmp } });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** Every path under `root`, directories marked with a trailing slash. */
function tree(root: string): string[] {
  const found: string[] = [];
  const visit = (dir: string, prefix: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const relative = `${prefix}${entry.name}`;
      found.push(entry.isDirectory() ? `${relative}/` : relative);
      if (entry.isDirectory()) visit(path.join(dir, entry.name), `${relative}/`);
    }
  };
  visit(root, '');
  return found.sort();
}

/** Run the kill test's victim in `dir` and SIGKILL it once it reports its `n`-th event of `kind`; its pid and what it printed. */
async function killedAt(dir: string, kind: 'tmp' | 'replaced', n: number): Promise<{ pid: number | undefined; lines: string[] }> {
  const child = spawn(process.execPath, [killChild, dir, 'stop', kind, String(n)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  await new Promise<void>((resolve, reject) => {
    let pending = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      pending += chunk;
      for (let newline = pending.indexOf('\n'); newline !== -1; newline = pending.indexOf('\n')) {
        lines.push(pending.slice(0, newline));
        pending = pending.slice(newline + 1);
        if (lines.at(-1)!.startsWith(`${kind} ${n} `)) child.kill('SIGKILL');
      }
    });
    child.on('error', reject);
    child.on('close', () => resolve());
  });
  expect(child.signalCode, lines.join('\n')).toBe('SIGKILL');
  return { pid: child.pid, lines };
}

describe('the next gen removes what a killed run left', () => {
  it('everywhere a run can leave it, through the installed CLI, and nothing else', () => {
    const tmp = temporaryDir();
    const dir = writeProject(temporaryDir(), registry);
    writeFileSync(path.join(dir, 'portbook.config.json'), JSON.stringify({ commands: { env: { validate: 'test -s {file}' } } }));
    expect(portbook(['gen'], dir, tmp).status).toBe(0);
    const clean = tree(dir);
    const out = path.join(dir, 'generated');

    const left = [
      // what a run that writes into generated/ makes there first and removes last: its manifest's temporary (or its record)
      path.join(out, dead('.portbook-manifest.json')),
      // a file's temporary beside it, and a directory a run was building for a service the registry no longer has
      path.join(out, 'systemd/api.service.d', dead('portbook.conf')),
      path.join(out, 'systemd', dead('gone.service.d'), 'portbook.conf'),
      // the output directory itself, from a first gen killed before it was in place
      path.join(dir, dead('generated'), '.env'),
      // the registry's diagram block (or fill, add, fix-encoding), half written
      path.join(dir, 'docs', dead('PORTS.md')),
      // validate's candidates
      path.join(tmp, 'portbook-candidates-999999999-AbC123', '.env'),
    ];
    for (const file of left) {
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, 'half');
    }
    // what only looks alike stays: someone's file, a live run's temporary
    const kept = [path.join(out, 'systemd', '.notes.tmp'), path.join(dir, 'docs', `.PORTS.md.portbook-${process.pid}-0123abcd.tmp`)];
    for (const file of kept) writeFileSync(file, 'mine');

    // check reports on outputs and removes nothing
    expect(portbook(['check'], dir, tmp)).toMatchObject({ status: 0, stdout: 'generated/ is up to date.\n' });
    for (const file of left) expect(existsSync(file), file).toBe(true);

    // the fast path leaves gen to the full run, which says the same and cleans up
    expect(portbook(['gen'], dir, tmp)).toMatchObject({ status: 0, stdout: 'generated/ is up to date (8 files).\n', stderr: '' });
    for (const file of left) expect(existsSync(file), file).toBe(false);
    expect(existsSync(path.join(out, 'systemd', dead('gone.service.d')))).toBe(false);
    expect(existsSync(path.join(tmp, 'portbook-candidates-999999999-AbC123'))).toBe(false);
    for (const file of kept) expect(readFileSync(file, 'utf8')).toBe('mine');
    expect(tree(dir)).toEqual([...clean, ...kept.map((file) => path.relative(dir, file))].sort());
  });

  it('the fast path leaves gen to the full run wherever a killed run left something, and answers check', () => {
    const dir = writeProject(temporaryDir(), registry);
    const tmp = temporaryDir();
    writeFileSync(path.join(dir, 'portbook.config.json'), JSON.stringify({ commands: { env: { validate: 'test -s {file}' } } }));
    const capture = (run: (io: { stdout(t: string): void; stderr(t: string): void; cwd: string }) => unknown) => {
      let stdout = '';
      const code = run({ stdout: (text) => (stdout += text), stderr: () => undefined, cwd: dir });
      return { code, stdout };
    };
    const previous = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
    try {
      capture((io) => main(['gen'], io));
      expect(capture((io) => fastPath(['gen'], io)).code).toBe(0);
      const places = [
        // a run whose manifest changes writes its temporary first, in --out itself, whatever else it leaves
        path.join(dir, 'generated', dead('.portbook-manifest.json')),
        path.join(dir, 'docs', dead('PORTS.md')),
        path.join(tmp, 'portbook-candidates-999999999-AbC123'),
      ];
      for (const place of places) {
        if (place.startsWith(tmp)) mkdirSync(place);
        else writeFileSync(place, 'half');
        expect(capture((io) => fastPath(['gen'], io)).code, place).toBeUndefined();
        expect(capture((io) => fastPath(['check'], io)).code, place).toBe(0);
        expect(capture((io) => main(['gen'], io)).code).toBe(0);
        expect(existsSync(place), place).toBe(false);
        expect(capture((io) => fastPath(['gen'], io)).code).toBe(0);
      }
    } finally {
      if (previous === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = previous;
    }
  });

  it.for([
    ['tmp', 'after its temporary'],
    ['replaced', 'after its rename, before its record goes'],
  ] as const)('a gen whose manifest does not change, killed %s: the next gen finds its temporary in a drop-in directory by its record', async ([kind]) => {
    const tmp = temporaryDir();
    const dir = writeProject(temporaryDir(), registry);
    expect(portbook(['gen'], dir, tmp).status).toBe(0);
    const clean = tree(dir);
    // one drop-in deleted: the next gen writes it again, into a directory that exists, and its manifest stays as it is
    const dropIn = path.join(dir, 'generated/systemd/api.service.d/portbook.conf');
    const content = readFileSync(dropIn, 'utf8');
    rmSync(dropIn);
    const { pid, lines } = await killedAt(dir, kind, 1);
    expect(lines[0]).toBe('planned 1 0');
    // its record in generated/, made first and not yet removed; before the rename, the drop-in's temporary beside it
    const temporary = (at: string) => expect.stringMatching(new RegExp(`^${at.replaceAll('.', '\\.')}\\.portbook-${pid}-[0-9a-f]{8}\\.tmp$`));
    expect(tree(dir).filter((entry) => !clean.includes(entry))).toEqual([
      temporary('generated/..portbook-run'),
      ...(kind === 'tmp' ? [temporary('generated/systemd/api.service.d/.portbook.conf')] : []),
    ]);
    expect(existsSync(dropIn)).toBe(kind === 'replaced');
    expect(portbook(['gen'], dir, tmp)).toMatchObject({ status: 0, stderr: '' });
    expect(tree(dir)).toEqual(clean);
    expect(readFileSync(dropIn, 'utf8')).toBe(content);
  });

  it('after a gen killed among its temporaries and a registry put back, the next gen of the installed CLI removes them', async () => {
    const tmp = temporaryDir();
    const dir = writeProject(temporaryDir(), registry);
    expect(portbook(['gen'], dir, tmp).status).toBe(0);
    const clean = tree(dir);
    // as gen left it (its diagram block filled in)
    const settled = readFileSync(path.join(dir, 'docs/PORTS.md'), 'utf8');
    // a new service (a directory to build) and a changed port: the manifest changes too
    writeFileSync(path.join(dir, 'docs/PORTS.md'), `${settled.replace('16001', '16002')}| worker | 16003 |\n`);
    await killedAt(dir, 'tmp', 3);
    const left = tree(dir).filter((entry) => !clean.includes(entry) && entry !== 'docs/PORTS.md');
    expect(left.filter((entry) => /\.portbook-\d+-[0-9a-f]{8}\.tmp\/?$/.test(entry)).length).toBeGreaterThanOrEqual(2);
    // the registry put back: every output and the manifest match it again, so only the temporaries tell
    writeFileSync(path.join(dir, 'docs/PORTS.md'), settled);
    expect(portbook(['check'], dir, tmp)).toMatchObject({ status: 0, stdout: 'generated/ is up to date.\n' });
    expect(portbook(['gen'], dir, tmp)).toMatchObject({ status: 0, stdout: 'generated/ is up to date (8 files).\n', stderr: '' });
    expect(tree(dir)).toEqual(clean);
  });
});
