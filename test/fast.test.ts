import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { fastPath } from '../src/cli/fast.js';
import { main } from '../src/cli/main.js';
import { inputsHash, maxSourceBytes } from '../src/config/inputs.js';
import { loadConfig } from '../src/config/load.js';
import { bundleKeyLine, cacheFileOf, loadWithCodeCache, saveCodeCaches } from '../src/support/compile-cache.js';
import { recordedInputs } from '../src/write/manifest.js';
import { temporaryDirs, writeProject } from './helpers.js';

// readFileSync as is, with a hook a test can set to act right after a file is read
const reads = vi.hoisted(() => ({ after: undefined as ((file: string) => void) | undefined }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const readFileSync = ((...args: Parameters<typeof fs.readFileSync>) => {
    const result = fs.readFileSync(...args);
    if (typeof args[0] === 'string') reads.after?.(args[0]);
    return result;
  }) as typeof fs.readFileSync;
  // inputs gen must find regular files are read through a descriptor (support/regular-file.ts): the read is over when it is closed
  const opened = new Map<number, string>();
  const openSync = ((...args: Parameters<typeof fs.openSync>) => {
    const fd = fs.openSync(...args);
    if (typeof args[0] === 'string') opened.set(fd, args[0]);
    return fd;
  }) as typeof fs.openSync;
  const closeSync = ((fd: number) => {
    fs.closeSync(fd);
    const file = opened.get(fd);
    opened.delete(fd);
    if (file !== undefined) reads.after?.(file);
  }) as typeof fs.closeSync;
  const replaced = { readFileSync, openSync, closeSync };
  return { ...fs, default: { ...fs, ...replaced }, ...replaced };
});

const repo = new URL('..', import.meta.url).pathname;
const temporaryDir = temporaryDirs('fast');
const project = (markdown = '| Service | Port |\n|---|---|\n| api | 16000 |\n'): string => writeProject(temporaryDir(), markdown);

function capture(run: (io: { stdout(t: string): void; stderr(t: string): void; cwd: string }) => unknown, cwd: string) {
  let stdout = '';
  let stderr = '';
  const code = run({ stdout: (text) => (stdout += text), stderr: (text) => (stderr += text), cwd });
  return { code, stdout, stderr };
}

describe('the fast path', () => {
  it('answers an unchanged gen and check exactly as the full CLI does, warnings included', () => {
    const dir = project('| Service | Port |\n|---|---|\n| api | 80 |\n');
    capture((io) => main(['gen'], io), dir);
    for (const args of [['gen'], ['check'], ['gen', '--out', 'generated'], ['check', '--source=docs/PORTS.md']]) {
      const fast = capture((io) => fastPath(args, io), dir);
      expect(fast.code, args.join(' ')).toBe(0);
      expect(fast, args.join(' ')).toEqual(capture((io) => main(args, io), dir));
    }
    expect(capture((io) => fastPath(['gen'], io), dir).stderr).toContain('port-privileged');
  });

  it('shows the full CLI’s code frames to a person at a terminal, from a BOM and CRLF registry too', () => {
    const dir = project('\uFEFF| Service | Port |\r\n|---|---|\r\n| api | 80 |\r\n| web | `443` |\r\n');
    const previous = process.env.NO_COLOR;
    process.env.NO_COLOR = '1';
    try {
      const tty = (run: (io: { stdout(t: string): void; stderr(t: string): void; cwd: string; tty: boolean }) => unknown) =>
        capture((io) => run({ ...io, tty: true }), dir);
      tty((io) => main(['gen'], io));
      const fast = tty((io) => fastPath(['gen'], io));
      expect(fast.code).toBe(0);
      expect(fast).toEqual(tty((io) => main(['gen'], io)));
      expect(fast.stderr).toContain('port-privileged\n3 | | api | 80 |\n  |         ^\n');
    } finally {
      if (previous === undefined) delete process.env.NO_COLOR;
      else process.env.NO_COLOR = previous;
    }
  });

  it('keeps warnings at their lines in the registry as gen rewrote it (a diagram block filled in above them)', () => {
    const dir = project('# Ports\n\n<!-- portbook:diagram -->\n<!-- /portbook:diagram -->\n\n| Service | Port |\n|---|---|\n| api | 80 |\n');
    capture((io) => main(['gen'], io), dir);
    const registry = readFileSync(path.join(dir, 'docs/PORTS.md'), 'utf8');
    const line = registry.split('\n').indexOf('| api | 80 |') + 1;
    expect(line).toBeGreaterThan(8);
    const fast = capture((io) => fastPath(['check'], io), dir);
    expect(fast.code).toBe(0);
    expect(fast.stderr).toContain(`docs/PORTS.md:${line}:9 warning`);
    expect(fast).toEqual(capture((io) => main(['check'], io), dir));
  });

  /** Run gen while an editor saves `file` as `content` right after gen first reads it. */
  function genWhileSaving(dir: string, file: string, content: string): void {
    let saved = false;
    reads.after = (read) => {
      if (saved || read !== file) return;
      saved = true;
      writeFileSync(file, content);
    };
    try {
      capture((io) => main(['gen'], io), dir);
    } finally {
      reads.after = undefined;
    }
    expect(saved, file).toBe(true);
  }

  it('records the inputs as gen read them: an edit saved during the run is never taken for done', () => {
    // the registry: outputs of 16000 while it says 16001 are stale, and the fast path must not say otherwise
    const dir = project('| Service | Port |\n|---|---|\n| api | 16000 |\n');
    genWhileSaving(dir, path.join(dir, 'docs/PORTS.md'), '| Service | Port |\n|---|---|\n| api | 16001 |\n');
    expect(readFileSync(path.join(dir, 'generated/.env'), 'utf8')).toContain('API_PORT=16000');
    expect(capture((io) => fastPath(['check'], io), dir).code).toBeUndefined();
    expect(capture((io) => main(['check'], io), dir).code).toBe(1);

    // the config file
    const configured = project();
    writeFileSync(path.join(configured, 'portbook.config.json'), '{}\n');
    genWhileSaving(configured, path.join(configured, 'portbook.config.json'), '{"targets": ["env"]}\n');
    expect(existsSync(path.join(configured, 'generated/settings.ts'))).toBe(true);
    expect(capture((io) => fastPath(['check'], io), configured).code).toBeUndefined();
    expect(capture((io) => main(['check'], io), configured).code).toBe(1);

    // a compose file, which compose-publishes-all-interfaces reads: the warning gen kept is of the file as it was read
    const composed = project();
    const composeFile = path.join(composed, 'compose.yaml');
    writeFileSync(composeFile, 'services:\n  api:\n    ports:\n      - "16000:16000"\n');
    genWhileSaving(composed, composeFile, 'services:\n  api:\n    ports:\n      - "127.0.0.1:16000:16000"\n');
    expect(capture((io) => fastPath(['check'], io), composed).code).toBeUndefined();
    expect(capture((io) => main(['check'], io), composed).stderr).not.toContain('compose-publishes-all-interfaces');

    // a project template
    const templated = project();
    mkdirSync(path.join(templated, 'templates'));
    const template = path.join(templated, 'templates/env.hbs');
    writeFileSync(template, '{{#each environment.services}}{{variable}}={{port}}\n{{/each}}');
    genWhileSaving(templated, template, '{{#each environment.services}}export {{variable}}={{port}}\n{{/each}}');
    expect(capture((io) => fastPath(['check'], io), templated).code).toBeUndefined();
    // whichever template text the run rendered, the next gen makes outputs and manifest agree with the file
    capture((io) => main(['gen'], io), templated);
    expect(readFileSync(path.join(templated, 'generated/.env'), 'utf8')).toContain('export API_PORT=16000');
    expect(capture((io) => fastPath(['check'], io), templated).code).toBe(0);
  });

  it('keeps the reading warnings of the registry as gen rewrote it (mojibake gone with the old diagram)', () => {
    const mojibake = '\u00e2\u0153\u2026';
    const dir = project(
      `| Service | Port | Status |\n|---|---|---|\n| api | 16000 | ${mojibake} Active |\n\n<!-- portbook:diagram -->\n\`\`\`mermaid\nflowchart LR\n  old["${mojibake}"]\n\`\`\`\n<!-- /portbook:diagram -->\n`,
    );
    expect(capture((io) => main(['gen'], io), dir).stderr).toContain('(2 places)');
    const fast = capture((io) => fastPath(['check'], io), dir);
    expect(fast.code).toBe(0);
    expect(fast.stderr).toContain('(1 place)');
    expect(fast).toEqual(capture((io) => main(['check'], io), dir));
  });

  it('answers the same from any directory, warnings included', () => {
    const dir = project('| Service | Port | Status |\n|---|---|---|\n| api | 16000 | \u00e2\u0153\u2026 Active |\n');
    capture((io) => main(['gen'], io), dir);
    const docs = path.join(dir, 'docs');
    const fast = capture((io) => fastPath(['check'], io), docs);
    expect(fast.code).toBe(0);
    expect(fast.stderr).toContain('PORTS.md:3:17 warning Unexpected');
    expect(fast).toEqual(capture((io) => main(['check'], io), docs));
  });

  it('leaves to the full CLI what it would refuse or find changed, however the outputs still hash', () => {
    const fresh = (): string => {
      const dir = project();
      capture((io) => main(['gen'], io), dir);
      expect(capture((io) => fastPath(['check'], io), dir).code).toBe(0);
      return dir;
    };
    // an output swapped for a link to a copy outside --out: gen refuses to write through it
    const linked = fresh();
    const outside = path.join(temporaryDir(), 'settings.py');
    cpSync(path.join(linked, 'generated/settings.py'), outside);
    rmSync(path.join(linked, 'generated/settings.py'));
    symlinkSync(outside, path.join(linked, 'generated/settings.py'));
    expect(capture((io) => fastPath(['check'], io), linked).code).toBeUndefined();
    expect(capture((io) => main(['check'], io), linked).code).toBe(2);
    // a directory of outputs swapped for a link to a copy outside
    const linkedDirectory = fresh();
    const outsideDirectory = path.join(temporaryDir(), 'systemd');
    cpSync(path.join(linkedDirectory, 'generated/systemd'), outsideDirectory, { recursive: true });
    rmSync(path.join(linkedDirectory, 'generated/systemd'), { recursive: true });
    symlinkSync(outsideDirectory, path.join(linkedDirectory, 'generated/systemd'));
    expect(capture((io) => fastPath(['check'], io), linkedDirectory).code).toBeUndefined();
    expect(capture((io) => main(['check'], io), linkedDirectory).code).toBe(2);
    // links that stay inside --out are fine for both
    const linkedInside = fresh();
    const kept = path.join(linkedInside, 'generated/systemd/.kept');
    cpSync(path.join(linkedInside, 'generated/systemd/api.service.d'), kept, { recursive: true });
    rmSync(path.join(linkedInside, 'generated/systemd/api.service.d'), { recursive: true });
    symlinkSync(kept, path.join(linkedInside, 'generated/systemd/api.service.d'));
    expect(capture((io) => main(['check'], io), linkedInside).code).toBe(0);
    expect(capture((io) => fastPath(['check'], io), linkedInside).code).toBe(0);
    // a templates path that is not a directory
    const blocked = fresh();
    writeFileSync(path.join(blocked, 'templates'), '');
    expect(capture((io) => fastPath(['check'], io), blocked).code).toBeUndefined();
    expect(capture((io) => main(['check'], io), blocked)).toMatchObject({ code: 2, stderr: expect.stringContaining('Cannot read templates directory') });
    // a manifest edited by hand (or merged): an output dropped from it, then deleted
    const edited = fresh();
    const manifestFile = path.join(edited, 'generated/.portbook-manifest.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as { files: Record<string, string> };
    delete manifest.files['settings.py'];
    writeFileSync(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
    rmSync(path.join(edited, 'generated/settings.py'));
    expect(capture((io) => fastPath(['check'], io), edited).code).toBeUndefined();
    expect(capture((io) => main(['check'], io), edited).code).toBe(1);
  });

  it('never calls a registry over the size limit up to date (gen would refuse it)', () => {
    const dir = project();
    const config = loadConfig({ cwd: dir });
    expect(inputsHash(config)).toMatch(/^[0-9a-f]{64}$/);
    expect(inputsHash(config, new Uint8Array(maxSourceBytes + 1))).toBeUndefined();
  });

  it('counts files as the full CLI does', () => {
    const dir = project();
    writeFileSync(path.join(dir, 'portbook.config.json'), '{"targets": []}\n');
    expect(capture((io) => main(['gen'], io), dir).code).toBe(0);
    const fast = capture((io) => fastPath(['gen'], io), dir);
    expect(fast).toEqual({ code: 0, stdout: 'generated/ is up to date (1 file).\n', stderr: '' });
    expect(fast).toEqual(capture((io) => main(['gen'], io), dir));
  });

  it('steps aside when anything changed or a flag needs the full CLI', () => {
    const dir = project();
    capture((io) => main(['gen'], io), dir);
    for (const args of [['gen', '--dry-run'], ['gen', '--json'], ['check', '--json'], ['gen', '--stage'], ['init'], ['gen', '--out']]) {
      expect(capture((io) => fastPath(args, io), dir).code, args.join(' ')).toBeUndefined();
    }
    const env = path.join(dir, 'generated/.env');
    writeFileSync(env, readFileSync(env, 'utf8').replace('16000', '16001'));
    expect(capture((io) => fastPath(['check'], io), dir).code).toBeUndefined();
    capture((io) => main(['gen', '--force'], io), dir);
    expect(capture((io) => fastPath(['check'], io), dir).code).toBe(0);
    writeFileSync(path.join(dir, 'docs/PORTS.md'), '| Service | Port |\n|---|---|\n| api | 16002 |\n');
    expect(capture((io) => fastPath(['check'], io), dir).code).toBeUndefined();
    capture((io) => main(['gen'], io), dir);
    writeFileSync(path.join(dir, 'portbook.config.json'), '{"targets": ["env"]}\n');
    expect(capture((io) => fastPath(['gen'], io), dir).code).toBeUndefined();
  });

  it('reads the recorded inputs from the manifest’s head (LF or CRLF) to step aside, and still answers from an intact CRLF manifest', () => {
    const dir = project();
    capture((io) => main(['gen'], io), dir);
    const out = path.join(dir, 'generated');
    const manifest = path.join(out, '.portbook-manifest.json');
    const inputs = inputsHash(loadConfig({ cwd: dir }));
    expect(recordedInputs(out)).toBe(inputs);
    writeFileSync(manifest, readFileSync(manifest, 'utf8').replaceAll('\n', '\r\n'));
    expect(recordedInputs(out)).toBe(inputs);
    expect(capture((io) => fastPath(['check'], io), dir).code).toBe(0);
    // what the head says is never trusted: a hand edit elsewhere in the manifest still sends the run to the full CLI
    writeFileSync(manifest, readFileSync(manifest, 'utf8').replace('"warnings"', '"warnings" '));
    expect(recordedInputs(out)).toBe(inputs);
    expect(capture((io) => fastPath(['check'], io), dir).code).toBeUndefined();
    expect(recordedInputs(temporaryDir())).toBeUndefined();
  });

  it('never loads the full CLI when nothing changed', () => {
    // a copy of the package without the full bundle: an unchanged gen must still answer
    const pkg = temporaryDir();
    for (const part of ['package.json', 'bin', 'templates', 'dist/bundle/loader.cjs', 'dist/bundle/fast.cjs'])
      cpSync(path.join(repo, part), path.join(pkg, part), { recursive: true });
    const dir = project();
    spawnSync(process.execPath, [path.join(repo, 'bin/portbook.cjs'), 'gen'], { cwd: dir });
    const unchanged = spawnSync(process.execPath, [path.join(pkg, 'bin/portbook.cjs'), 'gen'], { cwd: dir, encoding: 'utf8' });
    expect({ status: unchanged.status, stdout: unchanged.stdout }).toEqual({ status: 0, stdout: 'generated/ is up to date (7 files).\n' });
    // and its first answer cached fast.cjs's bytecode for the next
    expect(existsSync(cacheFileOf(path.join(pkg, 'dist/bundle/fast.cjs')))).toBe(true);
    writeFileSync(path.join(dir, 'docs/PORTS.md'), '| Service | Port |\n|---|---|\n| api | 16003 |\n');
    const changed = spawnSync(process.execPath, [path.join(pkg, 'bin/portbook.cjs'), 'gen'], { cwd: dir, encoding: 'utf8' });
    expect(changed.stderr).toMatch(/ENOENT.*cli\.cjs/);
  });

  it('loads fast.cjs only for the arguments it may answer', () => {
    // a copy of the package without fast.cjs: gen --no-cache and --help never need it
    const pkg = temporaryDir();
    for (const part of ['package.json', 'bin', 'templates', 'dist/bundle/loader.cjs', 'dist/bundle/cli.cjs'])
      cpSync(path.join(repo, part), path.join(pkg, part), { recursive: true });
    const dir = project();
    const bin = path.join(pkg, 'bin/portbook.cjs');
    const cold = spawnSync(process.execPath, [bin, 'gen', '--no-cache'], { cwd: dir, encoding: 'utf8' });
    expect({ status: cold.status, stderr: cold.stderr }).toEqual({ status: 0, stderr: '' });
    expect(spawnSync(process.execPath, [bin, 'gen', '--help'], { cwd: dir, encoding: 'utf8' }).status).toBe(0);
    expect(spawnSync(process.execPath, [bin, 'check'], { cwd: dir, encoding: 'utf8' }).stderr).toMatch(/ENOENT.*fast\.cjs/);
  });

  it('loads Handlebars’ compiler only for a project’s own templates, and the diff library only for a diff it shows', () => {
    // a copy of the package without the on-demand bundles: an ordinary gen needs neither
    const pkg = temporaryDir();
    for (const part of ['package.json', 'bin', 'templates', 'dist/bundle/loader.cjs', 'dist/bundle/fast.cjs', 'dist/bundle/cli.cjs'])
      cpSync(path.join(repo, part), path.join(pkg, part), { recursive: true });
    const bin = path.join(pkg, 'bin/portbook.cjs');
    const dir = project();
    const gen = spawnSync(process.execPath, [bin, 'gen'], { cwd: dir, encoding: 'utf8' });
    expect({ status: gen.status, stderr: gen.stderr }).toEqual({ status: 0, stderr: '' });
    writeFileSync(path.join(dir, 'docs/PORTS.md'), '| Service | Port |\n|---|---|\n| api | 16004 |\n');
    expect(spawnSync(process.execPath, [bin, 'check'], { cwd: dir, encoding: 'utf8' }).stderr).toMatch(/diff\.cjs: ENOENT/);
    mkdirSync(path.join(dir, 'templates'));
    writeFileSync(path.join(dir, 'templates/env.hbs'), '{{#each environment.services}}{{> line}}{{/each}}');
    writeFileSync(path.join(dir, 'templates/_line.hbs'), 'export {{variable}}={{port}}\n');
    expect(spawnSync(process.execPath, [bin, 'gen'], { cwd: dir, encoding: 'utf8' }).stderr).toMatch(/compiler\.cjs: ENOENT/);
    // with them, each is loaded (and its code cache written) when needed
    for (const name of ['compiler.cjs', 'diff.cjs']) cpSync(path.join(repo, 'dist/bundle', name), path.join(pkg, 'dist/bundle', name));
    const check = spawnSync(process.execPath, [bin, 'check'], { cwd: dir, encoding: 'utf8' });
    expect({ status: check.status, stdout: check.stdout }).toMatchObject({ status: 1, stdout: expect.stringContaining('+export API_PORT=16004') });
    const own = spawnSync(process.execPath, [bin, 'gen'], { cwd: dir, encoding: 'utf8' });
    expect({ status: own.status, stderr: own.stderr }).toEqual({ status: 0, stderr: '' });
    expect(readFileSync(path.join(dir, 'generated/.env'), 'utf8')).toMatch(/\n# portbook:sha256:[0-9a-f]{64}\nexport API_PORT=16004\n$/);
    expect(
      readdirSync(path.join(pkg, 'dist/bundle'))
        .filter((name) => name.endsWith('.cache'))
        .map((name) => name.split('.')[0])
        .sort(),
    ).toEqual(['cli', 'compiler', 'diff', 'fast']);
  });
});

describe('the fast path’s diagnostics are byte for byte the full CLI’s', () => {
  const moved = [
    '# Ports',
    '',
    '<!-- portbook:diagram -->',
    '<!-- /portbook:diagram -->',
    '',
    '## Development',
    '',
    '| Service | Port |',
    '|---|---|',
    '| api | 16000 |',
    '',
    '| Domain | Port | SSL | Proxy Target |',
    '|---|---|---|---|',
    '| a.example.com | 80 | no | 127.0.0.1:16000 |',
    '',
    '## Production',
    '',
    '| Service | Port |',
    '|---|---|',
    '| api | 80 |',
    '',
    '| Domain | Port | SSL | Proxy Target |',
    '|---|---|---|---|',
    '| a.example.com | 80 | no | 127.0.0.1:80 |',
    '',
  ];
  // a picture's port no table has and a sample's wrong port, between and after a diagram block that grows and an env sample that shrinks
  const twoBlocks = [
    ...moved.slice(0, 10),
    '',
    '```',
    '┌──────────┬────────┐',
    '│ api      │ Bot    │',
    '│ :16000   │ :18938 │',
    '└──────────┴────────┘',
    '```',
    '',
    '<!-- portbook:env -->',
    '```env',
    ...Array.from({ length: 12 }, (_, index) => `OLD_${index}=${index}`),
    '```',
    '<!-- /portbook:env -->',
    '',
    '```env',
    'API_PORT=9000',
    '```',
    ...moved.slice(10),
  ];
  const crlf = (lines: string[]): string => `\uFEFF${lines.join('\r\n')}`;
  const mojibake = '\u00e2\u0153\u2026';
  const cases: Array<{ name: string; registry: string; writer: 'in-process' | 'installed CLI' }> = [
    { name: 'a BOM and CRLF line endings', registry: '\uFEFF| Service | Port |\r\n|---|---|\r\n| api | 80 |\r\n| web | `443` |\r\n', writer: 'in-process' },
    { name: 'warnings (and a line they name) moved by the diagram block gen filled in', registry: moved.join('\n'), writer: 'in-process' },
    { name: 'the same with a BOM and CRLF line endings', registry: crlf(moved), writer: 'in-process' },
    {
      name: 'repaired mojibake below a rewritten diagram block',
      registry: moved.join('\n').replace('| api | 80 |', `| api | 80 |\n\n- **Status**: ${mojibake} Active`),
      writer: 'in-process',
    },
    { name: 'a manifest an earlier run of the installed CLI wrote', registry: crlf(moved), writer: 'installed CLI' },
    {
      name: 'mentions of ports outside the tables, moved by two blocks gen rewrote (one longer, one shorter)',
      registry: twoBlocks.join('\n'),
      writer: 'in-process',
    },
    { name: 'the same with a BOM and CRLF line endings, from the installed CLI', registry: crlf(twoBlocks), writer: 'installed CLI' },
  ];

  it.each(cases)('$name', ({ registry, writer }) => {
    const dir = writeProject(temporaryDir(), registry);
    if (writer === 'in-process') capture((io) => main(['gen'], io), dir);
    else expect(spawnSync(process.execPath, [path.join(repo, 'bin/portbook.cjs'), 'gen'], { cwd: dir, encoding: 'utf8' }).status).toBe(0);
    const previous = process.env.NO_COLOR;
    try {
      for (const color of [false, true]) {
        if (color) delete process.env.NO_COLOR;
        else process.env.NO_COLOR = '1';
        for (const tty of [true, false]) {
          for (const command of ['gen', 'check']) {
            const what = `${command}, ${tty ? 'a terminal' : 'piped'}${tty && color ? ', in colour' : ''}`;
            const fast = capture((io) => fastPath([command], { ...io, tty }), dir);
            expect(fast.code, `${what}: the fast path answered`).toBe(0);
            expect(fast.stderr.replace(/\u001b\[\d+m/g, ''), what).toMatch(/ warning /);
            const full = capture((io) => main([command], { ...io, tty }), dir);
            expect(fast.stderr, what).toBe(full.stderr);
            expect(fast.stdout, what).toBe(full.stdout);
            if (tty) expect(fast.stderr, `${what}: code frames`).toMatch(/\n\S*\d+ \| /);
          }
        }
      }
    } finally {
      if (previous === undefined) delete process.env.NO_COLOR;
      else process.env.NO_COLOR = previous;
    }
  });
});

describe('the code cache', () => {
  const bundle = (body: string): string => {
    const file = path.join(temporaryDir(), 'cli.cjs');
    writeFileSync(file, `const path = require('node:path');\nexports.answer = () => ${body};\nexports.dir = () => path.basename(__dirname);\n`);
    return file;
  };

  it('compiles without a cache, writes one, and uses it next time', () => {
    const file = bundle('"one"');
    const first = loadWithCodeCache<{ answer(): string; dir(): string }>(file);
    expect([first.cached, first.exports.answer(), first.exports.dir()]).toEqual([false, 'one', path.basename(path.dirname(file))]);
    expect(existsSync(cacheFileOf(file))).toBe(false);
    first.saveCache();
    expect(existsSync(cacheFileOf(file))).toBe(true);
    const second = loadWithCodeCache<{ answer(): string }>(file);
    expect([second.cached, second.exports.answer()]).toEqual([true, 'one']);
  });

  it('never runs the bytecode of another source, even one of the same length', () => {
    const file = bundle('"one"');
    loadWithCodeCache(file).saveCache();
    // V8 alone would accept this cache: it knows a source only by its length
    writeFileSync(file, readFileSync(file, 'utf8').replace('"one"', '"two"'));
    const changed = loadWithCodeCache<{ answer(): string }>(file);
    expect([changed.cached, changed.exports.answer()]).toEqual([false, 'two']);
  });

  it('files a built bundle’s cache under the key on its first line, and a rebuilt one never runs the old bytecode', () => {
    const built = (body: string): string => {
      const file = bundle(body);
      const text = readFileSync(file, 'utf8');
      writeFileSync(file, bundleKeyLine(text) + text);
      return file;
    };
    const file = built('"one"');
    loadWithCodeCache(file).saveCache();
    expect(readFileSync(cacheFileOf(file)).subarray(0, 32).toString('hex')).toBe(readFileSync(file, 'utf8').slice(25, 89));
    expect(loadWithCodeCache(file).cached).toBe(true);
    // a rebuild of a changed source: the same length, a new key
    const rebuilt = built('"two"');
    cpSync(rebuilt, file);
    const loaded = loadWithCodeCache<{ answer(): string }>(file);
    expect([loaded.cached, loaded.exports.answer()]).toEqual([false, 'two']);
  });

  it('is keyed, in every bundle the build writes, by the SHA-256 of the rest of the bundle', () => {
    const bundles = readdirSync(path.join(repo, 'dist/bundle')).filter((name) => name.endsWith('.cjs'));
    expect(bundles.sort()).toEqual(['cli.cjs', 'compiler.cjs', 'diff.cjs', 'fast.cjs', 'loader.cjs']);
    for (const name of bundles) {
      const text = readFileSync(path.join(repo, 'dist/bundle', name), 'utf8');
      const body = text.slice(text.indexOf('\n') + 1);
      expect(bundleKeyLine(body) + body, name).toBe(text);
    }
  });

  it('writes the cache of every bundle loaded without a usable one, once', () => {
    const [first, second] = [bundle('"one"'), bundle('"two"')];
    loadWithCodeCache(first);
    loadWithCodeCache(second).saveCache();
    rmSync(cacheFileOf(second));
    saveCodeCaches();
    // the second was saved already: not again
    expect([existsSync(cacheFileOf(first)), existsSync(cacheFileOf(second))]).toEqual([true, false]);
    expect(loadWithCodeCache(first).cached).toBe(true);
  });

  it('ignores a truncated cache', () => {
    const file = bundle('"one"');
    loadWithCodeCache(file).saveCache();
    const stored = readFileSync(cacheFileOf(file));
    for (const length of [stored.length - 1, 64, 40, 0]) {
      writeFileSync(cacheFileOf(file), stored.subarray(0, length));
      const loaded = loadWithCodeCache<{ answer(): string }>(file);
      expect([loaded.cached, loaded.exports.answer()], String(length)).toEqual([false, 'one']);
    }
  });

  it('never hands V8 a damaged cache, and replaces it', () => {
    const file = bundle('"one"');
    loadWithCodeCache(file).saveCache();
    const stored = readFileSync(cacheFileOf(file));
    stored[stored.length - 8]! ^= 0x10; // one bit, deep in the bytecode: V8 itself would not notice
    writeFileSync(cacheFileOf(file), stored);
    const loaded = loadWithCodeCache<{ answer(): string }>(file);
    expect([loaded.cached, loaded.exports.answer()]).toEqual([false, 'one']);
    loaded.saveCache();
    expect(loadWithCodeCache(file).cached).toBe(true);
  });

  it('runs without a cache it cannot read or write', () => {
    const file = bundle('"one"');
    writeFileSync(cacheFileOf(file), 'not a cache at all, and longer than a hash');
    const loaded = loadWithCodeCache<{ answer(): string }>(file);
    expect([loaded.cached, loaded.exports.answer()]).toEqual([false, 'one']);
    loaded.saveCache(); // replaces the broken one
    expect(loadWithCodeCache(file).cached).toBe(true);
  });
});
