/**
 * What a failed or interrupted command leaves, as the user sees it: the
 * journal of a run stopped among its renames (check and gen say which file is
 * from which run until a gen finishes; files that run created for a service
 * since dropped are removed, not orphaned); the manifest, portbook's own
 * state, rewritten but not in silence; and `add`, which puts the registry
 * back when gen cannot follow it.
 */
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fastPath } from '../src/cli/fast.js';
import { journalName, manifestName } from '../src/write/index.js';
import { type Call, withDisk } from './faults.js';
import { runCli, temporaryDirs, writeProject } from './helpers.js';

const temporaryDir = temporaryDirs('fault-state');
const table = (rows: string): string => `| Service | Port |\n|---|---|\n${rows}`;
const markers = '# Ports\n\n<!-- portbook:diagram -->\n<!-- /portbook:diagram -->\n\n';
const quiet = (cwd: string) => ({ stdout: () => undefined, stderr: () => undefined, cwd });

/** A project generated from api and web, whose registry then changes to `rows`. */
function project(rows: string): string {
  const dir = writeProject(temporaryDir(), `${markers}${table('| api | 16000 |\n| web | 16001 |\n')}`);
  expect(runCli(['gen'], dir).code).toBe(0);
  const file = path.join(dir, 'docs/PORTS.md');
  writeFileSync(file, readFileSync(file, 'utf8').replace(table('| api | 16000 |\n| web | 16001 |\n'), table(rows)));
  return dir;
}

/** The index of the call `pick` chooses among those a plain gen makes, found on a copy of `dir` (a run makes the same calls up to a fault). */
function callIndex(dir: string, pick: (call: Call) => boolean): number {
  const copy = temporaryDir();
  cpSync(dir, copy, { recursive: true });
  const { result, calls } = withDisk(undefined, () => runCli(['gen'], copy));
  expect(result.code, result.stderr).toBe(0);
  const at = calls.findIndex((call) => pick({ op: call.op, path: call.path.replaceAll(copy, dir) }));
  expect(at).toBeGreaterThanOrEqual(0);
  return at;
}

describe('a gen stopped among its renames', () => {
  it('leaves a journal: check and gen say which file is from which run, the fast path steps aside, and the next gen finishes', () => {
    // api moves, web stays, worker is new (a directory built whole)
    const dir = project('| api | 16010 |\n| web | 16001 |\n| worker | 16003 |\n');
    const out = path.join(dir, 'generated');
    // the last rename, the manifest's, fails: the registry and every other output are new already
    const at = callIndex(dir, (call) => call.op === 'rename' && call.path.endsWith(`-> ${path.join(out, manifestName)}`));
    const failed = withDisk({ at, code: 'EIO' }, () => runCli(['gen'], dir)).result;
    expect(failed.code).toBe(2);
    expect(failed.stderr).toMatch(
      /^portbook: Cannot replace \S+\/generated\/\.portbook-manifest\.json: EIO; already replaced: \S+\/docs\/PORTS\.md, .*; \S+\/generated\/\.portbook-journal\.json records what this run was doing: check says which files are from it, and the next gen finishes the job\n$/,
    );

    const checked = runCli(['check'], dir);
    expect(checked.code).toBe(1);
    const [first] = checked.stdout.split('\n');
    expect(first).toMatch(
      new RegExp(
        `^interrupted: the last gen \\(process ${process.pid}, started \\d{4}-\\d\\d-\\d\\dT[^)]+\\) was interrupted before it finished replacing files \\(generated/\\.portbook-journal\\.json records it\\); from that run: generated/\\.env, .* and \\d+ more; still from the run before it: generated/\\.portbook-manifest\\.json; the diagram block of docs/PORTS\\.md: from that run$`,
      ),
    );
    expect(checked.stdout).toMatch(
      /\nThe last gen was interrupted, and 1 file out of date in generated\/\. Run `npm run gen` \(or `portbook gen`\) and commit the result\.\n$/,
    );
    const json = JSON.parse(runCli(['check', '--json'], dir).stdout) as { interrupted: Record<string, unknown> };
    expect(json.interrupted).toMatchObject({
      pid: process.pid,
      new: expect.arrayContaining(['generated/.env', 'generated/systemd/worker.service.d/portbook.conf']),
      old: ['generated/.portbook-manifest.json'],
      changed: [],
      registry: { path: 'docs/PORTS.md', state: 'new' },
    });
    expect(fastPath(['check'], quiet(dir))).toBeUndefined();
    expect(fastPath(['gen'], quiet(dir))).toBeUndefined();
    expect(runCli(['gen', '--dry-run'], dir).stderr).toMatch(/; `portbook gen` finishes it\.\n$/);
    expect(existsSync(path.join(out, journalName))).toBe(true);

    // meanwhile worker goes again: its drop-in, which that run made and no manifest lists, goes too (never an orphan)
    const file = path.join(dir, 'docs/PORTS.md');
    writeFileSync(file, readFileSync(file, 'utf8').replace('| worker | 16003 |\n', ''));
    const finished = runCli(['gen'], dir);
    expect(finished.code).toBe(0);
    expect(finished.stderr).toMatch(/^portbook: the last gen \(process \d+, started [^)]+\) was interrupted .*; finished now\.\n$/);
    expect(finished.stdout).toContain('removed generated/systemd/worker.service.d/portbook.conf\n');
    expect(existsSync(path.join(out, 'systemd/worker.service.d'))).toBe(false);
    expect(existsSync(path.join(out, journalName))).toBe(false);
    expect(runCli(['check'], dir)).toEqual({ code: 0, stdout: 'generated/ is up to date.\n', stderr: '' });
    expect(fastPath(['gen'], quiet(dir))).toBe(0);
  });

  it('a journal that cannot be read still says a run was interrupted, and gen removes it', () => {
    const dir = writeProject(temporaryDir(), table('| api | 16000 |\n'));
    expect(runCli(['gen'], dir).code).toBe(0);
    writeFileSync(path.join(dir, 'generated', journalName), '{"pid": 12');
    expect(fastPath(['check'], quiet(dir))).toBeUndefined();
    expect(runCli(['check'], dir)).toEqual({
      code: 1,
      stdout:
        'interrupted: the last gen was interrupted before it finished replacing files (generated/.portbook-journal.json records it)\n\nThe last gen was interrupted. Run `npm run gen` (or `portbook gen`) and commit the result.\n',
      stderr: '',
    });
    const run = runCli(['gen'], dir);
    expect(run).toEqual({
      code: 0,
      stdout: 'generated/ is complete again (7 files).\n',
      stderr: 'portbook: the last gen was interrupted before it finished replacing files (generated/.portbook-journal.json records it); finished now.\n',
    });
    expect(existsSync(path.join(dir, 'generated', journalName))).toBe(false);
    expect(fastPath(['gen'], quiet(dir))).toBe(0);
  });

  it('a journal written by someone else shows its text, never obeys it: terminal escapes in it reach no terminal raw', () => {
    // whoever can write in --out can write a journal: its `started` and its file names are shown, escaped
    const dir = writeProject(temporaryDir(), table('| api | 16000 |\n'));
    expect(runCli(['gen'], dir).code).toBe(0);
    const journal = { pid: 999_999_999, started: '\u001b]0;pwned\u0007\u001b[2J\u202e', files: { '.env': { before: null, after: '0'.repeat(64) } } };
    writeFileSync(path.join(dir, 'generated', journalName), JSON.stringify(journal));
    const checked = runCli(['check'], dir);
    expect(checked.code).toBe(1);
    expect(checked.stdout).toContain('started \\x1b]0;pwned\\x07\\x1b[2J\\u202e)');
    const json = runCli(['check', '--json'], dir);
    expect(JSON.stringify(JSON.parse(json.stdout))).toContain('"started":"\\\\x1b]0;pwned');
    const run = runCli(['gen'], dir);
    expect(run.code).toBe(0);
    for (const text of [checked.stdout, checked.stderr, json.stderr, run.stdout, run.stderr]) expect(text).not.toMatch(/[\u001b\u0007\u202e]/);
    // what --json holds, once parsed, holds no control character either
    expect(JSON.parse(json.stdout).interrupted.started).not.toMatch(/[\u001b\u0007\u202e]/);
  });
});

describe('the manifest', () => {
  it('is portbook’s own state and says so; one changed by hand is rewritten, and gen says it was', () => {
    const dir = writeProject(temporaryDir(), table('| api | 16000 |\n'));
    expect(runCli(['gen'], dir).code).toBe(0);
    const file = path.join(dir, 'generated', manifestName);
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    expect(Object.keys(manifest)[0]).toBe('$comment');
    expect(manifest.$comment).toMatch(
      /^portbook's own record of the files it wrote in this directory.*Every `portbook gen` rewrites this file, so an edit here does not last/,
    );
    // an edit by hand (or by a merge): not an output, so not refused, but never replaced in silence
    writeFileSync(file, readFileSync(file, 'utf8').replace('"source": "docs/PORTS.md"', '"source": "mine"'));
    const run = runCli(['gen'], dir);
    expect(run).toEqual({
      code: 0,
      stdout: 'updated generated/.portbook-manifest.json\n',
      stderr:
        "portbook: rewrote generated/.portbook-manifest.json, which was changed since portbook wrote it: it is portbook's own record, and every gen rewrites it\n",
    });
    expect(readFileSync(file, 'utf8')).toContain('"source": "docs/PORTS.md"');
    expect(runCli(['gen'], dir)).toMatchObject({ code: 0, stderr: '' });
  });
});

describe('add, when gen cannot write the outputs', () => {
  it('puts the registry back: registry and outputs never disagree after the command', () => {
    const dir = writeProject(temporaryDir(), table('| api | 16000 |\n'));
    expect(runCli(['gen'], dir).code).toBe(0);
    const registry = readFileSync(path.join(dir, 'docs/PORTS.md'), 'utf8');
    const env = path.join(dir, 'generated/.env');
    writeFileSync(env, `${readFileSync(env, 'utf8')}MINE=1\n`);
    const edited = readFileSync(env, 'utf8');
    const run = runCli(['add', 'worker', '--port', '16005', '--protocol', 'HTTP'], dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('portbook: docs/PORTS.md is as it was: the edit waits until gen can write the outputs.\n');
    expect(readFileSync(path.join(dir, 'docs/PORTS.md'), 'utf8')).toBe(registry);
    expect(readFileSync(env, 'utf8')).toBe(edited);
    expect(existsSync(path.join(dir, 'generated/systemd/worker.service.d'))).toBe(false);
  });

  it('puts the registry back when gen fails to write (a full disk): exit 2, nothing changed', () => {
    const dir = writeProject(temporaryDir(), table('| api | 16000 |\n'));
    expect(runCli(['gen'], dir).code).toBe(0);
    const before = readFileSync(path.join(dir, 'docs/PORTS.md'), 'utf8');
    const outputs = readFileSync(path.join(dir, 'generated/.env'), 'utf8');
    const add = ['add', 'worker', '--port', '16005', '--protocol', 'HTTP'];
    const copy = temporaryDir();
    cpSync(dir, copy, { recursive: true });
    const { calls } = withDisk(undefined, () => runCli(add, copy));
    // the first temporary gen writes among the outputs, after add wrote the registry
    const at = calls.findIndex((call) => call.op === 'write' && call.path.startsWith(path.join(copy, 'generated')));
    expect(at).toBeGreaterThan(0);
    const run = withDisk({ at, code: 'ENOSPC' }, () => runCli(add, dir)).result;
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^portbook: Cannot write to \S+generated: ENOSPC; no file was replaced\n$/);
    expect(readFileSync(path.join(dir, 'docs/PORTS.md'), 'utf8')).toBe(before);
    expect(readFileSync(path.join(dir, 'generated/.env'), 'utf8')).toBe(outputs);
    expect(runCli(['check'], dir)).toMatchObject({ code: 0 });
  });
});
