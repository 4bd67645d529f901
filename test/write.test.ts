import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PortbookError } from '../src/support/errors.js';
import { stamp, stampPlaceholder, verifyStamp } from '../src/support/stamp.js';
import { apply, manifestFor, manifestName, plan, readManifest, removeDeadTemporaries, replaceFile, resolveInside } from '../src/write/index.js';
import { withDisk } from './faults.js';

const temporaries: string[] = [];
afterEach(() => {
  for (const dir of temporaries.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const temporaryDir = (): string => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'portbook-write-'));
  temporaries.push(dir);
  return dir;
};

/** Rendered files plus their manifest, as the project stage hands them to write. */
const withManifest = (entries: Record<string, string>): Map<string, string> => {
  const files = new Map(Object.entries(entries));
  files.set(manifestName, manifestFor(new Map([...files].map(([file, content]) => [file, { content, target: undefined }])), 'docs/PORTS.md'));
  return files;
};

const write = (out: string, entries: Record<string, string>) => {
  const planned = plan(out, withManifest(entries));
  apply(planned);
  return planned;
};

const old = new Date('2020-01-01T00:00:00Z');

describe('plan and apply', () => {
  it('creates files and directories, then a second run changes nothing', () => {
    const out = path.join(temporaryDir(), 'generated');
    const first = write(out, { '.env': 'A=1\n', 'systemd/a.service.d/portbook.conf': '[Service]\n' });
    expect(first.changes.map((change) => [change.kind, change.path])).toEqual([
      ['create', '.env'],
      ['create', 'systemd/a.service.d/portbook.conf'],
      ['create', manifestName],
    ]);
    expect(readFileSync(path.join(out, 'systemd/a.service.d/portbook.conf'), 'utf8')).toBe('[Service]\n');
    const second = write(out, { '.env': 'A=1\n', 'systemd/a.service.d/portbook.conf': '[Service]\n' });
    expect(second.changes).toEqual([]);
    expect(second.unchanged).toHaveLength(3);
  });

  it('replaces only what changed: unchanged files keep their mtime', () => {
    const out = temporaryDir();
    write(out, { a: '1\n', b: '2\n' });
    for (const name of ['a', 'b']) utimesSync(path.join(out, name), old, old);
    const planned = write(out, { a: '1\n', b: 'two\n' });
    expect(planned.changes.map((change) => [change.kind, change.path])).toEqual([
      ['update', 'b'],
      ['update', manifestName],
    ]);
    expect(statSync(path.join(out, 'a')).mtime).toEqual(old);
    expect(statSync(path.join(out, 'b')).mtime).not.toEqual(old);
    expect(readdirSync(out).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('keeps the permissions of a replaced file', () => {
    const out = temporaryDir();
    write(out, { script: '1\n' });
    const file = path.join(out, 'script');
    chmodSync(file, 0o600);
    write(out, { script: '2\n' });
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('removes outputs it made earlier and no longer renders, with their empty directories', () => {
    const out = temporaryDir();
    write(out, { a: '1\n', 'systemd/old.service.d/portbook.conf': 'x\n' });
    const planned = write(out, { a: '1\n' });
    expect(planned.changes.map((change) => [change.kind, change.path])).toEqual([
      ['update', manifestName],
      ['remove', 'systemd/old.service.d/portbook.conf'],
    ]);
    expect(existsSync(path.join(out, 'systemd'))).toBe(false);
  });

  it('never removes or overwrites a file it did not make, and keeps a hand-edited old output', () => {
    const out = temporaryDir();
    writeFileSync(path.join(out, 'README.md'), 'mine\n');
    write(out, { a: '1\n', b: '2\n' });
    writeFileSync(path.join(out, 'b'), '2 edited by hand\n');
    const planned = write(out, { a: '1\n' });
    expect(planned.kept).toEqual(['b']);
    expect(readFileSync(path.join(out, 'b'), 'utf8')).toBe('2 edited by hand\n');
    expect(readFileSync(path.join(out, 'README.md'), 'utf8')).toBe('mine\n');
    expect(Object.keys(readManifest(out)!.files)).toEqual(['a']);
  });

  it('is all-or-nothing: a failure while writing replaces no file', () => {
    const out = temporaryDir();
    write(out, { a: 'old a\n', b: 'old b\n', c: 'old c\n' });
    const planned = plan(out, withManifest({ a: 'new a\n', b: 'new b\n', c: 'new c\n' }));
    expect(() =>
      apply(planned, {
        afterTemporaryWritten(relative) {
          if (relative === 'b') throw Object.assign(new Error('disk full'), { code: 'ENOSPC' });
        },
      }),
    ).toThrow(/Cannot write to .*: ENOSPC; no file was replaced/);
    for (const name of ['a', 'b', 'c']) expect(readFileSync(path.join(out, name), 'utf8')).toBe(`old ${name}\n`);
    expect(readdirSync(out).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('removes temporary files a killed run left behind, and only those', () => {
    const out = temporaryDir();
    write(out, { 'nginx/a.conf': '1\n' });
    const dead = path.join(out, 'nginx', '.a.conf.portbook-999999999-0123abcd.tmp');
    const alive = path.join(out, 'nginx', `.a.conf.portbook-${process.ppid}-0123abcd.tmp`);
    const other = path.join(out, 'nginx', '.notes.tmp');
    // what a killed run leaves in --out itself, whatever else it left: its first temporary (here its record)
    const record = path.join(out, '..portbook-run.portbook-999999999-0123abcd.tmp');
    for (const file of [dead, alive, other, record]) writeFileSync(file, 'half');
    const planned = write(out, { 'nginx/a.conf': '1\n' });
    expect(planned.debris).toEqual(['..portbook-run.portbook-999999999-0123abcd.tmp', 'nginx/.a.conf.portbook-999999999-0123abcd.tmp']);
    expect([existsSync(dead), existsSync(alive), existsSync(other), existsSync(record)]).toEqual([false, true, true, false]);
  });

  it('looks among the output directories for what a killed run left only when --out holds a dead run’s temporary', () => {
    const out = temporaryDir();
    write(out, { 'nginx/a.conf': '1\n' });
    // not something a killed run leaves (it leaves its first temporary in --out too): not looked for, and left alone
    const stray = path.join(out, 'nginx', '.a.conf.portbook-999999999-0123abcd.tmp');
    writeFileSync(stray, 'half');
    expect(write(out, { 'nginx/a.conf': '1\n' }).debris).toEqual([]);
    expect(existsSync(stray)).toBe(true);
    // a run whose manifest does not change writes its record first, and removes it after its last rename
    const seen: string[][] = [];
    rmSync(path.join(out, 'nginx/a.conf'));
    const planned = plan(out, withManifest({ 'nginx/a.conf': '1\n' }));
    expect(planned.changes.map((change) => [change.kind, change.path])).toEqual([['create', 'nginx/a.conf']]);
    apply(planned, { afterTemporaryWritten: () => seen.push(readdirSync(out).sort()) });
    expect(seen).toEqual([
      [expect.stringMatching(new RegExp(`^\\.\\.portbook-run\\.portbook-${process.pid}-[0-9a-f]{8}\\.tmp$`)), '.portbook-manifest.json', 'nginx'],
    ]);
    expect(readdirSync(out).sort()).toEqual(['.portbook-manifest.json', 'nginx']);
  });

  it('builds a new directory under a temporary name beside it and renames it into place whole', () => {
    const out = temporaryDir();
    write(out, { a: '1\n' });
    const seen: string[][] = [];
    apply(plan(out, withManifest({ a: '1\n', 'systemd/a.service.d/portbook.conf': 'x\n', 'systemd/b.service.d/portbook.conf': 'y\n' })), {
      afterTemporaryWritten: () => seen.push(readdirSync(out).sort()),
    });
    // the manifest's temporary first; while the other files are written, no directory stands under its final name
    const temporary = (name: string) => expect.stringMatching(new RegExp(`^\\.${name}\\.portbook-${process.pid}-[0-9a-f]{8}\\.tmp$`));
    expect(seen).toEqual([
      [temporary('\\.portbook-manifest\\.json'), '.portbook-manifest.json', 'a'],
      [temporary('\\.portbook-manifest\\.json'), '.portbook-manifest.json', temporary('systemd'), 'a'],
      [temporary('\\.portbook-manifest\\.json'), '.portbook-manifest.json', temporary('systemd'), 'a'],
    ]);
    expect(readdirSync(out).sort()).toEqual(['.portbook-manifest.json', 'a', 'systemd']);
    expect(readFileSync(path.join(out, 'systemd/b.service.d/portbook.conf'), 'utf8')).toBe('y\n');
  });

  it('builds a missing output directory itself under a temporary name, so a first gen is all or nothing', () => {
    const parent = temporaryDir();
    const out = path.join(parent, 'generated');
    const seen: string[][] = [];
    apply(plan(out, withManifest({ '.env': 'A=1\n', 'nginx/a.conf': '1\n' })), { afterTemporaryWritten: () => seen.push(readdirSync(parent)) });
    for (const listing of seen) expect(listing).toEqual([expect.stringMatching(/^\.generated\.portbook-\d+-[0-9a-f]{8}\.tmp$/)]);
    expect(readdirSync(parent)).toEqual(['generated']);
    expect(readdirSync(out).sort()).toEqual(['.env', '.portbook-manifest.json', 'nginx']);
  });

  it('a failed run that cannot remove one of its temporaries among the outputs leaves its first one in --out too', () => {
    const out = temporaryDir();
    write(out, { 'nginx/a.conf': '1\n' });
    // the registry's temporary cannot be made (its directory is missing): the run fails after the outputs' temporaries
    const failing = () =>
      apply(plan(out, withManifest({ 'nginx/a.conf': '2\n' }), { registry: { file: path.join(out, 'none/PORTS.md'), before: 'a', after: 'b' } }));
    const { calls } = withDisk(undefined, () => expect(failing).toThrow(/no file was replaced/));
    const removal = calls.findIndex((call) => call.op === 'unlink' && path.dirname(call.path) === path.join(out, 'nginx'));
    expect(removal).toBeGreaterThan(-1);
    withDisk({ at: removal, code: 'EROFS' }, () => expect(failing).toThrow(/no file was replaced/));
    const ours = new RegExp(`\\.portbook-${process.pid}-[0-9a-f]{8}\\.tmp$`);
    expect(readdirSync(path.join(out, 'nginx')).filter((name) => ours.test(name))).toHaveLength(1);
    expect(readdirSync(out).filter((name) => ours.test(name))).toEqual([expect.stringMatching(/^\.\.portbook-manifest\.json\./)]);
  });

  it('builds a directory in private (mode 0700) and gives it the mode it was made with before it goes into place', () => {
    const parent = temporaryDir();
    const out = path.join(parent, 'generated');
    const previous = process.umask(0o027);
    try {
      const building: number[] = [];
      const staging = (dir: string) =>
        readdirSync(dir).filter((name) => /\.portbook-\d+-[0-9a-f]{8}\.tmp$/.test(name) && statSync(path.join(dir, name)).isDirectory());
      const modeOf = (file: string) => statSync(file).mode & 0o7777;
      apply(plan(out, withManifest({ '.env': 'A=1\n', 'systemd/a.service.d/portbook.conf': 'x\n' })), {
        afterTemporaryWritten: () => building.push(...staging(parent).map((name) => modeOf(path.join(parent, name)))),
      });
      // private where writes are confined through /proc/self/fd (Linux); elsewhere paths are used as they are
      const privately = process.platform === 'linux' ? 0o700 : 0o750;
      expect(building).toEqual([privately, privately, privately]);
      // as mkdir makes a directory under this umask, inside and out
      expect([modeOf(out), modeOf(path.join(out, 'systemd')), modeOf(path.join(out, 'systemd/a.service.d'))]).toEqual([0o750, 0o750, 0o750]);
      // a new directory in an existing --out: the same
      const more: number[] = [];
      apply(plan(out, withManifest({ '.env': 'A=1\n', 'systemd/a.service.d/portbook.conf': 'x\n', 'systemd/b.service.d/portbook.conf': 'y\n' })), {
        afterTemporaryWritten: () => more.push(...staging(path.join(out, 'systemd')).map((name) => modeOf(path.join(out, 'systemd', name)))),
      });
      expect(more).toEqual([privately]);
      expect(modeOf(path.join(out, 'systemd/b.service.d'))).toBe(0o750);
      expect(readFileSync(path.join(out, 'systemd/b.service.d/portbook.conf'), 'utf8')).toBe('y\n');
    } finally {
      process.umask(previous);
    }
  });

  it('removes what a killed run left wherever it can have left it, and only that', () => {
    const parent = temporaryDir();
    const out = path.join(parent, 'generated');
    write(out, { a: '1\n', 'systemd/a.service.d/portbook.conf': 'x\n', 'nginx/a.conf': '1\n' });
    const dead = (name: string) => `.${name}.portbook-999999999-0123abcd.tmp`;
    const alive = (name: string) => `.${name}.portbook-${process.ppid}-0123abcd.tmp`;
    // a directory a dead run was building where this run renders nothing, and one in the output directory itself
    mkdirSync(path.join(out, 'systemd', dead('gone.service.d')));
    writeFileSync(path.join(out, 'systemd', dead('gone.service.d'), 'portbook.conf'), 'half');
    mkdirSync(path.join(out, dead('caddy')));
    // a temporary beside an output in a directory that is only on the way to outputs
    writeFileSync(path.join(out, 'systemd', dead('b.service.d')), '');
    // an output directory a dead first gen was building, beside --out
    mkdirSync(path.join(parent, dead('generated')));
    writeFileSync(path.join(parent, dead('generated'), '.env'), 'half');
    // left alone: a live run's, someone's files that only look alike, a link, another directory's temporary beside --out
    const kept = [
      path.join(out, 'systemd', alive('gone.service.d')),
      path.join(out, 'systemd', '.notes.tmp'),
      path.join(out, 'systemd', '.x.portbook-999999999-0123abcd.tmp.bak'),
      path.join(parent, dead('other')),
    ];
    for (const file of kept) writeFileSync(file, 'mine');
    symlinkSync(path.join(parent, 'nowhere'), path.join(out, 'systemd', dead('link')));
    const planned = write(out, { a: '1\n', 'systemd/a.service.d/portbook.conf': 'x\n', 'nginx/a.conf': '1\n' });
    expect(planned.changes).toEqual([]);
    expect([...planned.debris].sort()).toEqual([dead('caddy'), `systemd/${dead('b.service.d')}`, `systemd/${dead('gone.service.d')}`].sort());
    expect(planned.debrisBeside).toEqual([path.join(parent, dead('generated'))]);
    expect(readdirSync(parent).sort()).toEqual([dead('other'), 'generated']);
    expect(readdirSync(out).sort()).toEqual(['.portbook-manifest.json', 'a', 'nginx', 'systemd']);
    expect(readdirSync(path.join(out, 'systemd')).sort()).toEqual(
      [alive('gone.service.d'), dead('link'), '.notes.tmp', '.x.portbook-999999999-0123abcd.tmp.bak', 'a.service.d'].sort(),
    );
    for (const file of kept) expect(readFileSync(file, 'utf8')).toBe('mine');
  });

  it('removes the temporaries a killed replaceFile left beside a file, and only that file’s dead ones', () => {
    const dir = temporaryDir();
    const file = path.join(dir, 'PORTS.md');
    writeFileSync(file, 'old\n');
    const names = [
      '.PORTS.md.portbook-999999999-0123abcd.tmp',
      `.PORTS.md.portbook-${process.ppid}-0123abcd.tmp`,
      '.OTHER.md.portbook-999999999-0123abcd.tmp',
      '.PORTS.md.tmp',
    ];
    for (const name of names) writeFileSync(path.join(dir, name), 'half');
    // a registry reached through a link: its temporaries stand beside the file it points to
    const link = path.join(temporaryDir(), 'PORTS.md');
    symlinkSync(file, link);
    expect(removeDeadTemporaries(link)).toEqual([path.join(dir, names[0]!)]);
    expect(readdirSync(dir).sort()).toEqual([...names.slice(1), 'PORTS.md'].sort());
    replaceFile(link, 'new\n');
    expect(readFileSync(file, 'utf8')).toBe('new\n');
    expect(removeDeadTemporaries(path.join(dir, 'missing.md'))).toEqual([]);
  });

  it('makes new directories once each, and still refuses one swapped for a link out between plan and apply', () => {
    const out = temporaryDir();
    const files = withManifest(Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`systemd/s${i}.service.d/portbook.conf`, `${i}\n`])));
    apply(plan(out, files));
    expect(readdirSync(path.join(out, 'systemd'))).toHaveLength(30);
    expect(readFileSync(path.join(out, 'systemd/s7.service.d/portbook.conf'), 'utf8')).toBe('7\n');

    const elsewhere = temporaryDir();
    const next = withManifest({ 'nginx/a.conf': '1\n', 'nginx/b/c.conf': '2\n' });
    const planned = plan(out, next);
    symlinkSync(elsewhere, path.join(out, 'nginx'));
    expect(() => apply(planned)).toThrow(/links outside/);
    expect(readdirSync(elsewhere)).toEqual([]);
  });

  it('replaces an output that is a link to nothing: the link itself, never its target', () => {
    const out = temporaryDir();
    mkdirSync(path.join(out, 'nginx'));
    symlinkSync('../../nowhere/a.conf', path.join(out, 'nginx', 'a.conf'));
    const planned = plan(out, withManifest({ 'nginx/a.conf': '1\n' }));
    expect(planned.changes.map((change) => [change.kind, change.path])).toContainEqual(['create', 'nginx/a.conf']);
    apply(planned);
    expect(readFileSync(path.join(out, 'nginx', 'a.conf'), 'utf8')).toBe('1\n');
    expect(existsSync(path.join(out, '..', 'nowhere'))).toBe(false);
  });

  it('plan reports a file standing where a directory of an output path goes', () => {
    const out = temporaryDir();
    writeFileSync(path.join(out, 'x'), 'a file\n');
    expect(() => plan(out, withManifest({ 'x/y/z.conf': '1\n' }))).toThrow(/part of its path is a file, not a directory/);
  });

  it('reports an unwritable output directory as a PortbookError', () => {
    const parent = temporaryDir();
    writeFileSync(path.join(parent, 'file'), '');
    expect(() => apply(plan(path.join(parent, 'file', 'out'), withManifest({ a: '1\n' })))).toThrow(
      /Cannot write .*file\/out\/\S+: part of its path is a file, not a directory/,
    );
  });
});

describe('resolveInside', () => {
  it('accepts plain relative paths', () => {
    const out = temporaryDir();
    expect(resolveInside(out, 'nginx/portbook.conf')).toBe(path.join(out, 'nginx', 'portbook.conf'));
  });

  it.each(['../x', 'a/../../x', '/etc/passwd', 'a//b', './a', 'a\\b', 'a\0b', ''])('refuses %j', (relative) => {
    expect(() => resolveInside(temporaryDir(), relative)).toThrow(PortbookError);
  });

  it('refuses a symlink inside out that points outside', () => {
    const out = temporaryDir();
    const elsewhere = temporaryDir();
    symlinkSync(elsewhere, path.join(out, 'systemd'));
    expect(() => resolveInside(out, 'systemd/a.service.d/portbook.conf')).toThrow(/links outside/);
    mkdirSync(path.join(out, 'nginx'));
    expect(resolveInside(out, 'nginx/a.conf')).toBe(path.join(out, 'nginx', 'a.conf'));
  });

  it('keeps refusing a link out for every later path through it (plan looks twice, with one cache)', () => {
    const out = temporaryDir();
    symlinkSync(temporaryDir(), path.join(out, 'systemd'));
    const cache = new Map<string, 'inside' | 'missing'>();
    expect(() => resolveInside(out, 'systemd/a.service.d/portbook.conf', cache)).toThrow(/links outside/);
    expect(() => resolveInside(out, 'systemd/a.service.d/portbook.conf', cache)).toThrow(/links outside/);
    expect(() => plan(out, withManifest({ 'systemd/a.service.d/portbook.conf': '1\n' }))).toThrow(/links outside/);
  });

  it('with listings, a link deep in out (a directory or the file) is refused as without them, and real entries pass', () => {
    const out = temporaryDir();
    const elsewhere = temporaryDir();
    mkdirSync(path.join(out, 'systemd', 'production', 'a.service.d'), { recursive: true });
    writeFileSync(path.join(out, 'systemd', 'production', 'a.service.d', 'portbook.conf'), '1\n');
    symlinkSync(elsewhere, path.join(out, 'systemd', 'production', 'b.service.d'));
    mkdirSync(path.join(out, 'systemd', 'production', 'c.service.d'));
    symlinkSync(path.join(elsewhere, 'x'), path.join(out, 'systemd', 'production', 'c.service.d', 'portbook.conf'));
    writeFileSync(path.join(elsewhere, 'x'), 'theirs\n');
    for (const listings of [undefined, new Map()]) {
      const cache = new Map<string, 'inside' | 'missing'>();
      expect(resolveInside(out, 'systemd/production/a.service.d/portbook.conf', cache, listings)).toBe(
        path.join(out, 'systemd', 'production', 'a.service.d', 'portbook.conf'),
      );
      expect(() => resolveInside(out, 'systemd/production/b.service.d/portbook.conf', cache, listings)).toThrow(/links outside/);
      expect(() => resolveInside(out, 'systemd/production/c.service.d/portbook.conf', cache, listings)).toThrow(/links outside/);
      expect(resolveInside(out, 'systemd/production/d.service.d/portbook.conf', cache, listings)).toBe(
        path.join(out, 'systemd', 'production', 'd.service.d', 'portbook.conf'),
      );
    }
    expect(() => plan(out, withManifest({ 'systemd/production/c.service.d/portbook.conf': '1\n' }))).toThrow(/links outside/);
  });

  it('refuses a directory of the path that is a link to nothing', () => {
    const out = temporaryDir();
    symlinkSync(path.join(temporaryDir(), 'gone'), path.join(out, 'systemd'));
    expect(() => plan(out, withManifest({ 'systemd/a.service.d/portbook.conf': '1\n' }))).toThrow(/systemd is a link to nothing; remove the link/);
    const root = path.join(temporaryDir(), 'out');
    symlinkSync(path.join(temporaryDir(), 'gone'), root);
    expect(() => plan(root, withManifest({ '.env': '1\n' }))).toThrow(/out is a link to nothing/);
  });
});

describe('hand edits and foreign files', () => {
  const stamped = (body: string): string => stamp(`# header\n# ${stampPlaceholder}\n${body}`);

  it('a stamp proves a file is untouched, whatever changes', () => {
    const content = stamped('A=1\n');
    expect(content).toMatch(/^# header\n# portbook:sha256:[0-9a-f]{64}\nA=1\n$/);
    expect(verifyStamp(content)).toBe('intact');
    expect(verifyStamp(content.replace('A=1', 'A=2'))).toBe('edited');
    expect(verifyStamp(`${content}# one more line\n`)).toBe('edited');
    expect(verifyStamp('A=1\n')).toBe('none');
  });

  it('refuses to replace an output edited by hand, unless forced', () => {
    const out = temporaryDir();
    write(out, { '.env': stamped('A=1\n'), other: stamped('x\n') });
    writeFileSync(path.join(out, '.env'), `${stamped('A=1\n')}B=2\n`);
    const refused = plan(out, withManifest({ '.env': stamped('A=3\n'), other: stamped('y\n') }));
    expect(refused.conflicts.map((conflict) => [conflict.reason, conflict.path])).toEqual([['edited', '.env']]);
    expect(() => apply(refused)).toThrow(/Refusing to write .*: \.env must not be replaced/);
    expect(readFileSync(path.join(out, 'other'), 'utf8')).toBe(stamped('x\n'));
    const forced = plan(out, withManifest({ '.env': stamped('A=3\n'), other: stamped('y\n') }), { force: true });
    expect(forced.conflicts).toEqual([]);
    apply(forced);
    expect(readFileSync(path.join(out, '.env'), 'utf8')).toBe(stamped('A=3\n'));
  });

  it('never replaces a file portbook did not write, even when forced', () => {
    const out = temporaryDir();
    writeFileSync(path.join(out, '.env'), 'SECRET=1\n');
    const planned = plan(out, withManifest({ '.env': stamped('A=1\n') }), { force: true });
    expect(planned.conflicts.map((conflict) => [conflict.reason, conflict.path])).toEqual([['foreign', '.env']]);
    expect(readFileSync(path.join(out, '.env'), 'utf8')).toBe('SECRET=1\n');
  });

  it('replaces an unstamped output (JSON has no comments) when the manifest hash matches', () => {
    const out = temporaryDir();
    write(out, { 'ports.json': '{"a":1}\n' });
    expect(plan(out, withManifest({ 'ports.json': '{"a":2}\n' })).conflicts).toEqual([]);
    writeFileSync(path.join(out, 'ports.json'), '{"a":1,"mine":true}\n');
    expect(plan(out, withManifest({ 'ports.json': '{"a":2}\n' })).conflicts.map((conflict) => conflict.reason)).toEqual(['edited']);
  });
});
