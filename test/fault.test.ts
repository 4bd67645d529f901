/**
 * The write path under faults (test/faults.ts): gen is run with each call it
 * makes to the disk failing in turn (a full disk, a read-only directory, a
 * failing device), with a signal arriving before each call, and with a disk
 * that stays full or read-only from a call on. After every run, the
 * invariants: every file wholly old or wholly new, the registry with them;
 * a mix of old and new never silent (the journal stands, check names which
 * file is from which run, the fast path steps aside); exit 0, 1 or 2 as
 * documented, with a message and never a stack trace; and, after the next
 * plain gen, everything new, no journal, no debris anywhere.
 *
 * The project moves from api, web and old to api (another port), web and
 * worker: updates, a new directory built whole, a removal and its empty
 * directory, the registry's diagram block rewritten, and debris of a dead
 * run among the outputs and beside the registry.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fastPath } from '../src/cli/fast.js';
import { build, check } from '../src/index.js';
import { journalName } from '../src/write/index.js';
import { type Call, type Fault, faultCodes, withDisk } from './faults.js';
import { type CliResult, runCli, writeProject } from './helpers.js';

const child = new URL('./fixtures/faults/child.mjs', import.meta.url).pathname;
const temporary = /^\.(.+)\.portbook-(\d+)-[0-9a-f]{8}\.tmp$/;
/** A pid above any kernel's pid_max: no process has it. */
const dead = (name: string): string => `.${name}.portbook-999999999-0123abcd.tmp`;

const table = (rows: string): string => `| Service | Port | Protocol |\n|---|---|---|\n${rows}`;
const before = table('| api | 16000 | HTTP |\n| web | 16001 | HTTP |\n| old | 16002 | HTTP |\n');
const after = table('| api | 16010 | HTTP |\n| web | 16001 | HTTP |\n| worker | 16003 | HTTP |\n');

interface Base {
  /** The project, as the first gen left it, the registry then changed and a dead run's debris planted. */
  dir: string;
  /** Every file in generated/ before, and as the changed registry renders it (path → content). */
  old: Map<string, string>;
  next: Map<string, string>;
  /** The registry before, and as gen rewrites its diagram block. */
  oldRegistry: string;
  nextRegistry: string;
  /** The calls the gen of the changed registry makes to the disk, without faults, in a copy of the project at `probe`. */
  calls: Call[];
  probe: string;
}

let base: Base;
const made: string[] = [];
const scratch = (): string => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'portbook-fault-'));
  made.push(dir);
  return dir;
};

/** Every file under `root` (relative POSIX path → content), or none when it is missing. */
function walk(root: string): Map<string, string> {
  const files = new Map<string, string>();
  const visit = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) visit(full);
      else files.set(path.relative(root, full).split(path.sep).join('/'), readFileSync(full, 'utf8'));
    }
  };
  if (existsSync(root)) visit(root);
  return files;
}

/** A copy of the base project to break. */
function copy(): string {
  const dir = scratch();
  cpSync(base.dir, dir, { recursive: true });
  return dir;
}

beforeAll(() => {
  const dir = writeProject(scratch(), `# Ports\n\n<!-- portbook:diagram -->\n<!-- /portbook:diagram -->\n\n${before}`);
  expect(runCli(['gen'], dir).code).toBe(0);
  const registryFile = path.join(dir, 'docs/PORTS.md');
  const oldRegistry = readFileSync(registryFile, 'utf8').replace(before, after);
  writeFileSync(registryFile, oldRegistry);
  const old = walk(path.join(dir, 'generated'));
  const built = build({ cwd: dir });
  if (!built.files || !built.sourceUpdate) throw new Error('the changed registry must build and rewrite its diagram block');
  // debris of a dead run: a temporary beside an output, a directory it was building, one beside the registry
  writeFileSync(path.join(dir, 'generated/systemd', dead('portbook.conf')), 'half');
  mkdirSync(path.join(dir, 'generated', dead('nginx')));
  writeFileSync(path.join(dir, 'generated', dead('nginx'), 'portbook.conf'), 'half');
  writeFileSync(path.join(dir, 'docs', dead('PORTS.md')), 'half');
  base = { dir, old, next: built.files, oldRegistry, nextRegistry: built.sourceUpdate.after, calls: [], probe: '' };
  base.probe = copy();
  const { result, calls } = withDisk(undefined, () => runCli(['gen'], base.probe));
  expect(result.code, result.stderr).toBe(0);
  base.calls = calls;
  // the premise: every kind of step is there to fail
  expect([...new Set(calls.map((call) => call.op))].sort()).toEqual([
    'chmod',
    'close',
    'create',
    'fsync',
    'mkdir',
    'mkdirs',
    'rename',
    'rmTree',
    'rmdir',
    'unlink',
    'write',
  ]);
});

afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Temporaries anywhere in the project (out-relative or registry-relative paths), with the process that wrote each. */
function temporaries(dir: string): Array<{ file: string; pid: number }> {
  const found: Array<{ file: string; pid: number }> = [];
  const visit = (at: string): void => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const match = temporary.exec(entry.name);
      if (match) found.push({ file: path.relative(dir, path.join(at, entry.name)), pid: Number(match[2]) });
      else if (entry.isDirectory()) visit(path.join(at, entry.name));
    }
  };
  visit(dir);
  return found;
}

/** Where each output and the registry stand: old, new, or neither (a failure of the invariant). */
function standing(dir: string, where: string): { allOld: boolean; allNew: boolean; newFiles: string[]; oldFiles: string[] } {
  const disk = walk(path.join(dir, 'generated'));
  const newFiles: string[] = [];
  const oldFiles: string[] = [];
  for (const file of new Set([...base.old.keys(), ...base.next.keys()])) {
    const actual = disk.get(file);
    const isNew = actual === base.next.get(file);
    const isOld = actual === base.old.get(file);
    expect(isNew || isOld, `${where}: ${file} is neither old nor new: ${JSON.stringify(actual?.slice(0, 200))}`).toBe(true);
    if (isNew && !isOld) newFiles.push(file);
    else if (isOld && !isNew) oldFiles.push(file);
  }
  const registry = readFileSync(path.join(dir, 'docs/PORTS.md'), 'utf8');
  expect([base.oldRegistry, base.nextRegistry], `${where}: the registry is neither old nor new`).toContain(registry);
  const registryNew = registry === base.nextRegistry;
  for (const file of disk.keys()) {
    if (!base.old.has(file) && !base.next.has(file) && file !== journalName) {
      expect(
        file.split('/').some((segment) => temporary.test(segment)),
        `${where}: ${file} in the output directory`,
      ).toBe(true);
    }
  }
  return { allOld: newFiles.length === 0 && !registryNew, allNew: oldFiles.length === 0 && registryNew, newFiles: newFiles.sort(), oldFiles: oldFiles.sort() };
}

const quiet = (dir: string) => ({ stdout: () => undefined, stderr: () => undefined, cwd: dir });

/** The invariants after a run that met a fault: a message and the documented exit code, no file torn, a mix never silent. */
function afterFault(dir: string, result: CliResult, where: string): void {
  expect([0, 2], `${where}: exit ${result.code}: ${result.stderr}`).toContain(result.code);
  expect(result.stderr, `${where}: a stack trace`).not.toMatch(/\n\s+at /);
  const state = standing(dir, where);
  const journal = existsSync(path.join(dir, 'generated', journalName));
  if (result.code === 0) {
    expect(state.allNew && !journal, `${where}: exit 0 but not done: ${JSON.stringify(state)}`).toBe(true);
    return;
  }
  expect(result.stderr, where).toMatch(/^portbook: \S/);
  if (state.allOld) {
    expect(result.stderr, `${where}: nothing was replaced, and the message must say so`).toMatch(/no file was replaced/);
    // a journal that even a read-only disk kept must not claim that anything is new
    if (journal) expect(check({ cwd: dir }).plan?.interrupted?.files.new, `${where}: the journal left`).toEqual([]);
    return;
  }
  if (!state.allNew) {
    // a mix of old and new, the registry among them: never silent
    expect(journal, `${where}: old and new files, and no journal says so: ${JSON.stringify(state)}`).toBe(true);
    expect(result.stderr, where).toMatch(/records what this run was doing/);
    const interrupted = check({ cwd: dir }).plan?.interrupted;
    expect(interrupted?.pid, where).toBeGreaterThan(0);
    const outputs = (files: readonly string[]) => files.filter((file) => base.old.has(file) || base.next.has(file));
    expect(
      interrupted?.files.new.filter((file) => state.newFiles.includes(file)),
      where,
    ).toEqual(outputs(interrupted?.files.new ?? []));
    expect(interrupted?.files.changed, where).toEqual([]);
    expect(fastPath(['check'], quiet(dir)), `${where}: the fast path answered while the journal stands`).toBeUndefined();
  }
}

/** The next plain gen finishes the job: everything new, no journal, no temporaries left anywhere, and then the fast path answers. */
function recovers(dir: string, where: string): void {
  const result = withDisk(undefined, () => runCli(['gen'], dir), { flush: false }).result;
  expect(result.code, `${where}: recovery: ${result.stderr}`).toBe(0);
  expect(result.stderr, `${where}: recovery`).not.toMatch(/\n\s+at /);
  const state = standing(dir, `${where}: recovery`);
  expect(state.allNew, `${where}: recovery left ${JSON.stringify(state)}`).toBe(true);
  expect(existsSync(path.join(dir, 'generated', journalName)), `${where}: recovery left the journal`).toBe(false);
  expect(temporaries(dir), `${where}: debris after recovery`).toEqual([]);
  expect(walk(path.join(dir, 'generated'))).toEqual(base.next);
  // the fast path answers only when nothing is left to do: no journal, no debris, every output as the manifest says
  expect(fastPath(['gen'], quiet(dir)), `${where}: the fast path after recovery`).toBe(0);
}

/** One case per call, each failing with one of the codes its primitive can fail with, in turn. */
function faults(): Array<Fault & { name: string }> {
  return base.calls.map((call, at) => {
    const codes = faultCodes[call.op];
    const code = codes[at % codes.length]!;
    return { at, code, name: `${code} at call ${at} (${call.op} ${path.relative(base.probe, call.path.split(' -> ')[0]!)})` };
  });
}

describe('gen with a fault at each call to the disk', () => {
  it('keeps every invariant, whatever call fails, and the next gen finishes', () => {
    const cases = faults();
    expect(cases.length).toBe(base.calls.length);
    expect(cases.length).toBeGreaterThan(40);
    const outcomes = new Map<string, number>();
    for (const fault of cases) {
      const dir = copy();
      const { result, calls } = withDisk(fault, () => runCli(['gen'], dir), { flush: false });
      expect(calls[fault.at]?.op, `${fault.name}: the run took another path`).toBe(base.calls[fault.at]!.op);
      afterFault(dir, result, fault.name);
      // this run's own temporaries: it cleaned up after itself, whatever failed
      expect(
        temporaries(dir).filter((entry) => entry.pid === process.pid),
        `${fault.name}: temporaries of the failed run`,
      ).toEqual([]);
      recovers(dir, fault.name);
      const key =
        result.code === 0
          ? 'exit 0 (a step that loses nothing when it fails)'
          : result.stderr.includes('no file was replaced')
            ? 'nothing replaced'
            : 'interrupted, recorded';
      outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    }
    // every kind of outcome happened
    expect([...outcomes.keys()].sort()).toEqual(['exit 0 (a step that loses nothing when it fails)', 'interrupted, recorded', 'nothing replaced']);
  });

  it('the registry cannot be replaced (its directory read-only): nothing is, outputs included, and gen says so with exit 2', () => {
    const registryDir = path.join(base.probe, 'docs');
    // the first call that creates a file beside the registry: its temporary, which a read-only directory refuses
    const at = base.calls.findIndex((call) => call.op === 'create' && path.dirname(call.path) === registryDir);
    expect(at).toBeGreaterThan(-1);
    const dir = copy();
    const { result } = withDisk({ at, code: 'EACCES' }, () => runCli(['gen'], dir));
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toMatch(
      /^portbook: Cannot write the diagram block of \S+\/docs\/PORTS\.md \(a temporary file beside it\): EACCES; no file was replaced\n$/,
    );
    expect(standing(dir, 'registry directory read-only').allOld).toBe(true);
    // a registry that cannot be replaced, though its temporary could be written (an immutable file): the same
    const rename = base.calls.findIndex((call) => call.op === 'rename' && call.path.endsWith(`-> ${path.join(registryDir, 'PORTS.md')}`));
    const other = copy();
    const refused = withDisk({ at: rename, code: 'EPERM' }, () => runCli(['gen'], other)).result;
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/Cannot replace .*docs\/PORTS\.md: EPERM; no file was replaced\n$/);
    expect(standing(other, 'registry immutable').allOld).toBe(true);
    expect(existsSync(path.join(other, 'generated', journalName))).toBe(false);
    recovers(other, 'registry immutable');
  });
});

// ---------------------------------------------------------------- in a child process

interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  /** stderr without the child's `call …` lines. */
  stderr: string;
  calls: string[];
}

function runChild(dir: string, args: string[]): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const run = spawn(process.execPath, [child, dir, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    run.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    run.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    run.on('error', reject);
    run.on('close', (code, signal) => {
      const lines = stderr.split('\n');
      resolve({
        code,
        signal,
        stdout,
        stderr: lines.filter((line) => !line.startsWith('call ')).join('\n'),
        calls: lines.filter((line) => line.startsWith('call ')),
      });
    });
  });
}

/** Calls worth a child process each, found in the calls the child reports (`call <n> <op> <path>`). */
const moments: Array<{ name: string; find: (calls: readonly string[]) => number }> = [
  { name: 'its first change to the disk', find: () => 0 },
  {
    name: 'a temporary half written',
    find: (calls) => calls.findIndex((call, n) => / write /.test(call) && calls.slice(0, n).filter((c) => / write /.test(c)).length === 2),
  },
  { name: 'the journal put in place', find: (calls) => calls.findIndex((call) => / rename .* -> \S+\/generated\/\.portbook-journal\.json$/.test(call)) },
  { name: 'the registry replaced', find: (calls) => calls.findIndex((call) => / rename .* -> \S+\/docs\/PORTS\.md$/.test(call)) },
  {
    name: 'the manifest replaced (the last rename)',
    find: (calls) => calls.findIndex((call) => / rename .* -> \S+\/generated\/\.portbook-manifest\.json$/.test(call)),
  },
  { name: 'an old output removed', find: (calls) => calls.findIndex((call) => / unlink \S+\/old\.service\.d\/portbook\.conf$/.test(call)) },
  { name: 'the journal removed', find: (calls) => calls.findIndex((call) => / unlink \S+\/generated\/\.portbook-journal\.json$/.test(call)) },
];

describe.concurrent('gen, as the installed CLI runs it, with a signal or a lasting fault at each moment of its write', () => {
  let childCalls: string[] = [];
  beforeAll(async () => {
    const counted = await runChild(copy(), ['count']);
    expect(counted.code, counted.stderr).toBe(0);
    childCalls = counted.calls;
    expect(childCalls.length).toBe(base.calls.length);
    for (const moment of moments) expect(moment.find(childCalls), moment.name).toBeGreaterThanOrEqual(0);
  });

  it.for(moments.map((moment, n) => ({ ...moment, signal: n % 2 === 0 ? 'SIGINT' : 'SIGTERM' })))(
    '$signal before $name: the write is finished first, then the run ends with 130 or 143',
    async ({ find, signal }) => {
      const at = find(childCalls);
      const where = `${signal} before ${childCalls[at]}`;
      const dir = copy();
      const run = await runChild(dir, ['signal', String(at), signal]);
      expect(run.signal, `${where}: the signal ended the process on the spot`).toBeNull();
      expect(run.code, `${where}: ${run.stderr}`).toBe(signal === 'SIGINT' ? 130 : 143);
      expect(run.stderr).toBe(
        `portbook: ${signal} came while files were being written: the write was finished first (no file is left half done); stopping now.\n`,
      );
      expect(run.stdout).toContain('updated docs/PORTS.md (its diagram block)\n');
      const state = standing(dir, where);
      expect(state.allNew, `${where}: ${JSON.stringify(state)}`).toBe(true);
      expect(existsSync(path.join(dir, 'generated', journalName)), where).toBe(false);
      expect(temporaries(dir), `${where}: temporaries left`).toEqual([]);
    },
  );

  it.for(moments.map((moment, n) => ({ ...moment, code: n < 2 ? 'ENOSPC' : 'EROFS' })))(
    'a disk that stays full ($code) or turns read-only from $name on: exit 2, nothing torn, the next gen cleans up and finishes',
    async ({ find, code }) => {
      const at = find(childCalls);
      const where = `${code} from ${childCalls[at]} on`;
      const dir = copy();
      const run = await runChild(dir, ['fail', String(at), code, 'stays']);
      expect(run.signal, where).toBeNull();
      afterFault(dir, { code: run.code ?? -1, stdout: run.stdout, stderr: run.stderr }, where);
      // what the dead run could not remove (a read-only disk), the next run does
      recovers(dir, where);
    },
  );
});
