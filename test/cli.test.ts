import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { main, version } from '../src/cli/main.js';
import { outPath } from '../src/cli/output/common.js';
import type { Built } from '../src/commands/build.js';
import { displayPath } from '../src/config/load.js';
import { runCli, temporaryDirs, writeProject } from './helpers.js';

const seeds = new URL('./fixtures/seeds/', import.meta.url).pathname;
const bin = new URL('../bin/portbook.cjs', import.meta.url).pathname;
const temporaryDir = temporaryDirs('cli');

/** A throwaway project: package.json, docs/PORTS.md from `markdown`. */
const project = (markdown: string | Buffer): string => writeProject(temporaryDir(), markdown);
const run = runCli;

const broken = [
  '# Ports', // 1
  '', // 2
  '| Service | Port | Protocol |', // 3
  '|---|---|---|', // 4
  '| API | 8000 | HTTP |', // 5
  '| Web | 8000 | HTTP |', // 6
  '| Worker | eighty | HTTP |', // 7
  '| Metrics | 70000 | HTTP |', // 8
  '', // 9
  '| Domain | Port | SSL | Proxy Target | Purpose |', // 10
  '|---|---|---|---|---|', // 11
  '| api.example.com | 443 | ✅ | 127.0.0.1:9999 | API |', // 12
  '',
].join('\n');

describe('portbook gen', () => {
  it('shows each output as displayPath shows it, wherever --out is from the working directory', () => {
    const dirs = ['/w/p', '/w/p/generated', '/w/p/a/b', '/w', '/w/q/gen', '/', '/x/y/z/w', '/w/p/..gen', '/w/pp'];
    const name = fc.constantFrom('settings.ts', '.env', 'systemd', 'a.service.d', 'portbook.conf', '..x', 'p', 'a', 'b', 'generated', 'gen', 'q', 'w');
    fc.assert(
      fc.property(fc.constantFrom(...dirs), fc.constantFrom(...dirs), fc.array(name, { minLength: 1, maxLength: 4 }), (out, cwd, names) => {
        const result = { config: { out } } as Built;
        const relative = names.join('/');
        // twice: the second call answers from what the first worked out of --out
        for (let i = 0; i < 2; i++) expect(outPath(result, relative, { cwd, stdout() {}, stderr() {} })).toBe(displayPath(path.join(out, relative), cwd));
      }),
    );
  });

  it('keeps its exit code when the reader closes the pipe early', () => {
    const dir = project('| Service | Port |\n|---|---|\n| api | 16000 |\n');
    spawnSync(process.execPath, [bin, 'gen'], { cwd: dir });
    writeFileSync(path.join(dir, 'docs/PORTS.md'), '| Service | Port |\n|---|---|\n| api | 16001 |\n');
    // `set -o pipefail` in CI: a stale tree must still fail when `head` stops reading
    const piped = spawnSync('bash', ['-c', `set -o pipefail; "${process.execPath}" "${bin}" check 2>/dev/null | head -c1 >/dev/null`], { cwd: dir });
    expect(piped.status).toBe(1);
  });

  it('writes every target for the Creator Suite seed, then rewrites nothing', () => {
    const dir = project(readFileSync(path.join(seeds, 'creator-suite.md')));
    const first = run(['gen'], dir);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('created generated/nginx/portbook.conf');
    expect(first.stderr).toMatch(
      /^docs\/PORTS\.md:3:4 warning Unexpected `ğŸ“‹`, expected `📋`.* encoding-mojibake\ndocs\/PORTS\.md:46:52 warning Port 18938 of `Bot Interface` .* mention-port-unregistered\n$/,
    );
    expect(readdirSync(path.join(dir, 'generated')).sort()).toEqual([
      '.env',
      '.portbook-manifest.json',
      'architecture.mmd',
      'nginx',
      'settings.py',
      'settings.ts',
      'systemd',
    ]);
    const nginx = readFileSync(path.join(dir, 'generated/nginx/portbook.conf'), 'utf8');
    expect(nginx).toContain('server_name video.destinpq.com;');
    expect(nginx).toContain('proxy_pass http://creator_suite_frontend;');
    expect(nginx).toContain('server_name video-api.destinpq.com;');
    expect(nginx).toContain('proxy_pass http://creator_suite_api;');
    expect(nginx.match(/listen 443 ssl http2;/g)).toHaveLength(2);
    expect(first.stdout).toContain('created generated/nginx/portbook.default-server.conf');

    const second = run(['gen'], dir);
    expect(second).toEqual({ code: 0, stdout: 'generated/ is up to date (9 files).\n', stderr: first.stderr });
  });

  it('reports each error once at its cell, exits 1 and writes nothing', () => {
    const dir = project(broken);
    const result = run(['gen'], dir);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trim().split('\n');
    expect(lines.filter((line) => / error /.test(line)).map((line) => line.replace(/ error .* (\S+)$/, ' $1'))).toEqual([
      'docs/PORTS.md:6:9 port-duplicate',
      'docs/PORTS.md:7:12 port-not-integer',
      'docs/PORTS.md:8:13 port-out-of-range',
      'docs/PORTS.md:12:31 proxy-target-unregistered',
    ]);
    expect(result.stderr).toContain(
      'docs/PORTS.md:6:9 error Port 8000 of `Web` is already used by `API` (line 5) in the default environment: give one of them another port port-duplicate',
    );
    expect(lines.at(-1)).toBe('4 errors in docs/PORTS.md: nothing was written.');
    expect(existsSync(path.join(dir, 'generated'))).toBe(false);
  });

  it('shows the source line and a caret under each diagnostic when a person reads the terminal', () => {
    const dir = project(broken);
    let stderr = '';
    const previous = process.env.NO_COLOR;
    process.env.NO_COLOR = '1';
    try {
      main(['gen'], { stdout: () => undefined, stderr: (text) => (stderr += text), cwd: dir, tty: true });
    } finally {
      if (previous === undefined) delete process.env.NO_COLOR;
      else process.env.NO_COLOR = previous;
    }
    expect(stderr).toContain('port-duplicate\n6 | | Web | 8000 | HTTP |\n  |         ^\n');
  });

  it('prints the diagnostics as a JSON array with --json', () => {
    const dir = project(broken);
    const result = run(['gen', '--json'], dir);
    expect(result.code).toBe(1);
    const diagnostics = JSON.parse(result.stdout) as Array<Record<string, unknown>>;
    expect(diagnostics[0]).toEqual({
      file: 'docs/PORTS.md',
      line: 6,
      column: 9,
      severity: 'error',
      message: 'Port 8000 of `Web` is already used by `API` (line 5) in the default environment: give one of them another port',
      ruleId: 'port-duplicate',
    });
    expect(diagnostics).toHaveLength(4);
  });

  it('works from any directory with --source and --out, and prints a diff with --dry-run', () => {
    const dir = project('| Service | Port |\n|---|---|\n| api | 8000 |\n');
    const elsewhere = temporaryDir();
    const dry = run(['gen', '--dry-run', '--source', path.join(dir, 'docs/PORTS.md'), '--out', path.join(dir, 'out')], elsewhere);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('+API_PORT=8000');
    expect(dry.stdout).toContain(`would create ${path.relative(elsewhere, path.join(dir, 'out'))}/.env`);
    expect(existsSync(path.join(dir, 'out'))).toBe(false);
    expect(run(['gen', '--source', path.join(dir, 'docs/PORTS.md'), '--out', path.join(dir, 'out')], elsewhere).code).toBe(0);
    expect(readFileSync(path.join(dir, 'out/.env'), 'utf8')).toContain('API_PORT=8000\n');
  });

  it('reads the config file and its settings', () => {
    const dir = project('| Service | Port |\n|---|---|\n| api | 8000 |\n');
    writeFileSync(path.join(dir, 'portbook.config.json'), JSON.stringify({ out: 'config-out', targets: ['env'] }));
    expect(run(['gen'], dir).code).toBe(0);
    expect(readdirSync(path.join(dir, 'config-out')).sort()).toEqual(['.env', '.portbook-manifest.json']);
  });
});

describe('hand edits', () => {
  it('gen refuses to overwrite an edited output, shows the diff, writes nothing; --force overwrites', () => {
    const dir = project('| Service | Port |\n|---|---|\n| api | 8000 |\n');
    run(['gen'], dir);
    const envFile = path.join(dir, 'generated/.env');
    writeFileSync(envFile, readFileSync(envFile, 'utf8').replace('API_PORT=8000', 'API_PORT=9999'));
    writeFileSync(path.join(dir, 'docs/PORTS.md'), '| Service | Port |\n|---|---|\n| api | 8100 |\n');
    const before = readFileSync(path.join(dir, 'generated/settings.ts'), 'utf8');
    const refused = run(['gen'], dir);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('portbook: generated/.env was edited by hand since portbook wrote it:\n');
    expect(refused.stderr).toContain('-API_PORT=9999\n');
    expect(refused.stderr).toContain('+API_PORT=8100\n');
    expect(refused.stderr).toContain('Nothing was written. Move hand edits into the registry or a template, or run `portbook gen --force` to overwrite them.');
    expect(readFileSync(path.join(dir, 'generated/settings.ts'), 'utf8')).toBe(before);

    const json = run(['gen', '--json'], dir);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toContainEqual(expect.objectContaining({ file: 'generated/.env', ruleId: 'output-edited', severity: 'error' }));
    expect(run(['check'], dir).stdout).toContain('edited: generated/.env (by hand, since portbook wrote it; +1 -1)\n');

    expect(run(['gen', '--force'], dir).code).toBe(0);
    expect(readFileSync(envFile, 'utf8')).toContain('API_PORT=8100');
    expect(run(['check'], dir).code).toBe(0);
  });

  it('gen never replaces a file it did not write', () => {
    const dir = project('| Service | Port |\n|---|---|\n| api | 8000 |\n');
    mkdirSync(path.join(dir, 'generated'));
    writeFileSync(path.join(dir, 'generated/.env'), 'SECRET=1\n');
    const result = run(['gen', '--force'], dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('generated/.env exists and was not written by portbook');
    expect(readFileSync(path.join(dir, 'generated/.env'), 'utf8')).toBe('SECRET=1\n');
    expect(existsSync(path.join(dir, 'generated/settings.ts'))).toBe(false);
  });
});

describe('the architecture diagram', () => {
  it('is written between the markers in the registry, kept fresh by gen and checked by check', () => {
    const registry =
      '# Ports\r\n\r\n| Service | Port |\r\n|---|---|\r\n| api | 16000 |\r\n\r\n<!-- portbook:diagram -->\r\n```mermaid\r\nold\r\n```\r\n<!-- /portbook:diagram -->\r\n';
    const dir = project(registry);
    const first = run(['gen'], dir);
    expect(first.stdout).toContain('updated docs/PORTS.md (its diagram block)\n');
    const text = readFileSync(path.join(dir, 'docs/PORTS.md'), 'utf8');
    expect(text).toContain('<!-- portbook:diagram -->\r\n```mermaid\r\nflowchart LR\r\n');
    expect(text).toContain('default_api["api<br/>:16000"]\r\n');
    expect(text).not.toContain('old');
    expect(text.startsWith('# Ports\r\n')).toBe(true);
    expect(run(['gen'], dir).stdout).toBe('generated/ is up to date (7 files).\n');
    expect(run(['check'], dir).code).toBe(0);

    writeFileSync(path.join(dir, 'docs/PORTS.md'), text.replace(':16000', ':9'));
    const stale = run(['check'], dir);
    expect(stale.code).toBe(1);
    expect(stale.stdout).toContain('stale: docs/PORTS.md (its diagram block; +1 -1)\n');
    expect(stale.stdout).toMatch(/The diagram in docs\/PORTS\.md is out of date\. Run `npm run gen`/);
    const files = JSON.parse(run(['check', '--json'], dir).stdout).files as Array<{ path: string; status: string; before: string; after: string }>;
    expect(files.map(({ path, status }) => ({ path, status }))).toEqual([{ path: 'docs/PORTS.md', status: 'stale' }]);
    expect(files[0]!.before).toContain('default_api["api<br/>:9"]');
    expect(files[0]!.after).toBe(text);
    expect(run(['gen'], dir).code).toBe(0);
    expect(readFileSync(path.join(dir, 'docs/PORTS.md'), 'utf8')).toBe(text);
  });
});

describe('the architecture diagram: someone else’s text between the markers', () => {
  it('is left as it is, with a warning, and is never taken for registry data that gen would then erase', () => {
    const registry =
      '| Service | Port |\n|---|---|\n| API | 16001 |\n\n<!-- portbook:diagram -->\n| Service | Port |\n|---|---|\n| Web | 16002 |\n<!-- /portbook:diagram -->\n';
    const dir = project(registry);
    const result = run(['gen'], dir);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe(
      'docs/PORTS.md:6:1 warning Unexpected content between the diagram markers, expected only the diagram portbook writes there: the block is left as it is; move that content out of the markers to get the diagram diagram-markers\n',
    );
    expect(readFileSync(path.join(dir, 'docs/PORTS.md'), 'utf8')).toBe(registry);
    expect(readFileSync(path.join(dir, 'generated/.env'), 'utf8')).toContain('WEB_PORT=16002');
    // the next runs agree with this one, the fast path included
    expect(run(['check'], dir)).toMatchObject({ code: 0, stderr: result.stderr });
    const fromBin = spawnSync(process.execPath, [bin, 'check'], { cwd: dir, encoding: 'utf8' });
    expect({ status: fromBin.status, stderr: fromBin.stderr }).toEqual({ status: 0, stderr: result.stderr });
  });
});

describe('the architecture diagram: markers that do not count', () => {
  it('leaves markers inside a code block or a quote alone', () => {
    const registry =
      '# Ports\n\n```markdown\n<!-- portbook:diagram -->\n<!-- /portbook:diagram -->\n```\n\n> <!-- portbook:diagram -->\n> <!-- /portbook:diagram -->\n\n| Service | Port |\n|---|---|\n| API | 16001 |\n';
    const dir = project(registry);
    expect(run(['gen'], dir).code).toBe(0);
    expect(readFileSync(path.join(dir, 'docs/PORTS.md'), 'utf8')).toBe(registry);
    expect(run(['check'], dir).code).toBe(0);
  });

  it('warns about a second pair of markers and fills only the first', () => {
    const dir = project(
      '| Service | Port |\n|---|---|\n| API | 16001 |\n\n<!-- portbook:diagram -->\n<!-- /portbook:diagram -->\n\n<!-- portbook:diagram -->\n<!-- /portbook:diagram -->\n',
    );
    const result = run(['gen'], dir);
    expect(result.stderr).toMatch(/^docs\/PORTS\.md:8:1 warning Unexpected second .* diagram-markers\n$/);
    expect(readFileSync(path.join(dir, 'docs/PORTS.md'), 'utf8').match(/```mermaid/g)).toHaveLength(1);
  });
});

describe('portbook check', () => {
  it('passes when the outputs are what gen writes', () => {
    const dir = project('| Service | Port |\n|---|---|\n| api | 8000 |\n');
    run(['gen'], dir);
    expect(run(['check'], dir)).toEqual({ code: 0, stdout: 'generated/ is up to date.\n', stderr: '' });
  });

  it('passes when only the manifest’s record of the inputs is out of date (prose edited, portbook upgraded)', () => {
    const dir = project('| Service | Port |\n|---|---|\n| api | 8000 |\n');
    run(['gen'], dir);
    writeFileSync(path.join(dir, 'docs/PORTS.md'), '| Service | Port |\n|---|---|\n| api | 8000 |\n\nA sentence of prose.\n');
    const manifestFile = path.join(dir, 'generated/.portbook-manifest.json');
    // what another portbook version would have recorded
    writeFileSync(manifestFile, readFileSync(manifestFile, 'utf8').replace(/"inputs": "[^"]+"/, '"inputs": "portbook 0.0.9"'));
    expect(run(['check'], dir)).toEqual({ code: 0, stdout: 'generated/ is up to date.\n', stderr: '' });
    expect(JSON.parse(run(['check', '--json'], dir).stdout)).toEqual({ diagnostics: [], files: [], ignored: [] });
    expect(run(['gen'], dir).stdout).toBe('updated generated/.portbook-manifest.json\n');

    // a missing manifest still counts: gen needs it to know which files are its own
    rmSync(manifestFile);
    expect(run(['check'], dir)).toMatchObject({
      code: 1,
      stdout: expect.stringContaining('missing: generated/.portbook-manifest.json (gen needs it to know which outputs are its own)\n'),
    });
  });

  it('says what it takes when gen would refuse: --force for hand edits, moving files portbook did not write', () => {
    const dir = project('| Service | Port |\n|---|---|\n| api | 8000 |\n');
    run(['gen'], dir);
    writeFileSync(path.join(dir, 'generated/.env'), readFileSync(path.join(dir, 'generated/.env'), 'utf8').replace('8000', '9000'));
    const edited = run(['check', '--out', 'generated'], dir);
    expect(edited.code).toBe(1);
    expect(edited.stdout).toContain('edited: generated/.env (by hand, since portbook wrote it; +1 -1)\n');
    expect(edited.stdout).toContain(
      '\n1 file out of date in generated/. Move the hand edits into the registry or a template, then run `portbook gen --force --out generated` and commit the result.\n',
    );
    expect(JSON.parse(run(['check', '--json'], dir).stdout).files).toEqual([expect.objectContaining({ path: 'generated/.env', status: 'edited' })]);

    rmSync(path.join(dir, 'generated/.portbook-manifest.json'));
    writeFileSync(path.join(dir, 'generated/.env'), 'SECRET=1\n');
    const foreign = run(['check'], dir);
    expect(foreign.stdout).toContain('foreign: generated/.env (not written by portbook)\n');
    expect(foreign.stdout).toContain(
      'Move or delete the files portbook did not write (it never replaces them), then run `npm run gen` (or `portbook gen`) and commit the result.\n',
    );
  });

  it('refuses, as gen does, an output directory that links outside --out', () => {
    const dir = project('| Service | Port |\n|---|---|\n| api | 8000 |\n');
    run(['gen'], dir);
    rmSync(path.join(dir, 'generated/systemd'), { recursive: true });
    symlinkSync(temporaryDir(), path.join(dir, 'generated/systemd'));
    const checked = run(['check'], dir);
    expect(checked).toMatchObject({ code: 2, stdout: '' });
    expect(checked.stderr).toMatch(/^portbook: Refusing output path "systemd\/api\.service\.d\/portbook\.conf": .*links outside/);
    expect(run(['gen'], dir)).toMatchObject({ code: 2, stderr: checked.stderr });
  });

  it('with registry errors, says the outputs were not compared (check writes nothing anyway)', () => {
    const dir = project('| Service | Port |\n|---|---|\n| api | eighty |\n');
    expect(run(['check'], dir).stderr).toMatch(/\n1 error in docs\/PORTS\.md: the outputs were not compared\.\n$/);
  });

  it('names stale, missing and extra files with a short diff and the command that fixes them', () => {
    const dir = project('| Service | Port |\n|---|---|\n| api | 8000 |\n| web | 8001 |\n');
    run(['gen'], dir);
    writeFileSync(path.join(dir, 'docs/PORTS.md'), '| Service | Port |\n|---|---|\n| api | 8100 |\n');
    rmSync(path.join(dir, 'generated/settings.py'));
    const result = run(['check'], dir);
    expect(result.code).toBe(1);
    // first one line per file, then the diffs
    const summary = result.stdout.slice(0, result.stdout.indexOf('\n\n') + 1);
    expect(summary).toBe(
      [
        'stale: generated/.env (+1 -3)',
        'stale: generated/architecture.mmd (+1 -2)',
        'stale: generated/nginx/portbook.conf (+1 -6)',
        'missing: generated/settings.py (+39 -0)',
        'stale: generated/settings.ts (+2 -5)',
        'stale: generated/systemd/api.service.d/portbook.conf (+2 -2)',
        'extra: generated/systemd/web.service.d/portbook.conf (no longer generated; +0 -8)',
        // the manifest gets a line when it lists other files, never a diff (it is hashes)
        'stale: generated/.portbook-manifest.json (it lists other files than gen writes)',
        '',
      ].join('\n'),
    );
    expect(result.stdout).toContain('-API_PORT=8000\n');
    expect(result.stdout).toContain('+API_PORT=8100\n');
    // no stamp lines, no manifest: bookkeeping is not a change anyone reviews
    expect(result.stdout).not.toMatch(/portbook:sha256:[0-9a-f]/);
    expect(result.stdout).not.toContain('--- a/generated/.portbook-manifest.json');
    // a missing or extra file is the summary line alone, not its whole content
    expect(result.stdout).not.toContain('+++ b/generated/settings.py');
    expect(result.stdout).not.toContain('--- a/generated/systemd/web.service.d/portbook.conf');
    expect(result.stdout).toMatch(/ out of date in generated\/\. Run `npm run gen` \(or `portbook gen`\) and commit the result\.\n$/);
    expect(readFileSync(path.join(dir, 'generated/.env'), 'utf8')).toContain('API_PORT=8000');
  });

  it('ends with the gen command for the same paths when flags were given', () => {
    const dir = project('| Service | Port |\n|---|---|\n| api | 8000 |\n');
    const result = run(['check', '--source', 'docs/PORTS.md', '--out', 'my out'], dir);
    expect(result.stdout).toMatch(/Run `portbook gen --source docs\/PORTS\.md --out 'my out'` and commit the result\.\n$/);
  });

  it('finds the project root by its config file from inside a monorepo package', () => {
    const dir = project('| Service | Port |\n|---|---|\n| api | 8000 |\n');
    writeFileSync(path.join(dir, 'portbook.config.json'), '{}\n');
    mkdirSync(path.join(dir, 'packages/web/src'), { recursive: true });
    writeFileSync(path.join(dir, 'packages/web/package.json'), '{}\n');
    expect(run(['gen'], path.join(dir, 'packages/web/src')).code).toBe(0);
    expect(existsSync(path.join(dir, 'generated/.env'))).toBe(true);
  });

  it('lists stale files as JSON with --json', () => {
    const dir = project('| Service | Port |\n|---|---|\n| api | 8000 |\n');
    const result = run(['check', '--json'], dir);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as { diagnostics: unknown[]; files: Array<{ path: string; status: string }> };
    expect(report.diagnostics).toEqual([]);
    expect(report.files).toContainEqual(expect.objectContaining({ path: 'generated/.env', status: 'missing', before: null }));
  });

  it('exits 1 with the diagnostics when the registry has errors', () => {
    const result = run(['check'], project(broken));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('port-duplicate');
  });
});

describe('portbook fix-encoding', () => {
  it('rewrites the mis-encoded seed as the UTF-8 it meant', () => {
    const dir = project(readFileSync(path.join(seeds, 'creator-suite.md')));
    expect(run(['fix-encoding'], dir)).toEqual({ code: 0, stdout: 'Repaired docs/PORTS.md: it is plain UTF-8 now.\n', stderr: '' });
    const text = readFileSync(path.join(dir, 'docs/PORTS.md'), 'utf8');
    expect(text).toContain('| ✅ |');
    // only the picture's port no table has is left to say
    expect(run(['gen'], dir)).toMatchObject({
      code: 0,
      stderr: expect.stringMatching(/^docs\/PORTS\.md:46:46 warning Port 18938 [^\n]* mention-port-unregistered\n$/),
    });
    expect(run(['fix-encoding'], dir).stdout).toBe('docs/PORTS.md needs no repair.\n');
  });
});

describe('usage and I/O errors', () => {
  it('prints help and version', () => {
    const dir = project('');
    expect(run(['--help'], dir).stdout).toContain('portbook gen ');
    expect(run(['help'], dir).code).toBe(0);
    expect(run(['gen', '--help'], dir).stdout).toMatch(/^Usage: portbook gen /);
    expect(run(['--version'], dir)).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it.each([
    [
      ['gen', '--bogus'],
      /^portbook: unknown option `--bogus`; gen's options are --dry-run, --stage, --watch, --force, --json, --no-cache, --source, --out, --templates, --config\nRun `portbook gen --help` for its usage, options and examples\.\n$/,
    ],
    [
      ['frobnicate'],
      /^portbook: unknown command `frobnicate`; the commands are gen, check, init, hook install, pre-commit, next, scan, add, fill, fix-encoding, deploy, drift\nRun `portbook --help`/,
    ],
    [[], /^portbook: missing command; to render the outputs from the registry, type\n {2}portbook gen\n/],
    [['gen', 'extra'], /^portbook: unexpected argument `extra`: `portbook gen` takes none\n {2}portbook gen\nRun `portbook gen --help`/],
    [
      ['check', '--dry-run'],
      /^portbook: `--dry-run` goes with gen, not check \(check never writes: it is a dry run already\); leave it out\n {2}portbook check\n/,
    ],
    [
      ['add', 'X', '--protocol', 'HTTP', '--json'],
      /`--json` goes with gen, check, next, scan, deploy or drift, not add; leave it out\n {2}portbook add X --protocol HTTP\n/,
    ],
    [['fix-encoding', '--json'], /`--json` goes with gen, check, next, scan, deploy or drift, not fix-encoding/],
    [
      ['add', 'X', '--protocol', 'HTTP', '--port', '16600', '--range', 'bot'],
      /`--range` picks the port when there is no --port: give one or the other\n {2}portbook add X --protocol HTTP --port 16600\n/,
    ],
    [
      ['init', '--source', 'x.md'],
      /^portbook: `--source` goes with every command but init \(init writes docs\/PORTS\.md, generated\/ and templates\/; change the paths in portbook\.config\.json afterwards\); leave it out\n {2}portbook init\n/,
    ],
    [
      ['hook', 'install', '--manager', 'nonesuch'],
      /unknown --manager `nonesuch`; expected husky, lefthook, simple-git-hooks, githooks \(or none, the same as githooks\)\nRun `portbook hook install --help`/,
    ],
    [['hook', 'install', '--manager', 'lefthok'], /unknown --manager `lefthok`; .*; did you mean `lefthook`\?\n {2}portbook hook install --manager lefthook\n/],
    [['gen', '--source'], /^portbook: `--source` needs a value, e\.g\. `--source docs\/PORTS\.md`\n {2}portbook gen --source docs\/PORTS\.md\n/],
    [
      ['add', 'X', '--protocol'],
      /^portbook: `--protocol` needs a value, e\.g\. `--protocol HTTP`\n {2}portbook add X --protocol HTTP\nRun `portbook add --help`/,
    ],
    [
      ['add', 'X', '--description', '-x'],
      /`--description` needs a value, e\.g\. `--description 'Billing API'` \(a value that starts with a dash is written `--description=-x`\)/,
    ],
    [['add', 'X'], /^portbook: add needs --protocol, the service’s protocol \(HTTP, WS, TCP, PostgreSQL…\), e\.g\.\n {2}portbook add X --protocol HTTP\n/],
    [['add', '--protocol', 'HTTP'], /^portbook: add needs the service’s name first, e\.g\.\n {2}portbook add 'Billing API' --protocol HTTP\n/],
    [
      ['add', 'Billing', 'API', '--protocol', 'HTTP'],
      /^portbook: unexpected argument `API`: add takes one NAME; quote a name with spaces\n {2}portbook add 'Billing API' --protocol HTTP\n/,
    ],
    [['hook'], /^portbook: `hook` needs `install`\n {2}portbook hook install\n/],
    [['hook', 'instal'], /^portbook: unknown hook command `instal`; did you mean `install`\?\n {2}portbook hook install\n/],
    [['gen', '--json=yes'], /^portbook: `--json` is a switch and takes no value\n {2}portbook gen --json\n/],
    [['gen', '--watch', '--dry-run'], /^portbook: `--watch` does not go with --stage, --dry-run or --json\n {2}portbook gen --watch\n/],
    [['--dryrun'], /^portbook: unknown option `--dryrun`; did you mean `--dry-run`\?\n/],
  ])('%j exits 2, says what to type instead and where the help is', (args, message) => {
    const result = run(args, project('| Service | Port |\n|---|---|\n| api | 16000 |\n'));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toMatch(/\nRun `portbook (\S+ )*--help` for .*\n$/);
    expect(result.stdout).toBe('');
  });

  it('add without --env and without a default table names the tables there are', () => {
    const result = run(['add', 'X', '--protocol', 'HTTP'], project('## Production\n\n| Service | Port |\n|---|---|\n| api | 16000 |\n'));
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toMatch(
      /^portbook: the registry has no default-environment table: say which one with --env production\n {2}portbook add X --protocol HTTP --env production\nRun `portbook add --help`/,
    );
  });

  it('a --port that is not a port says so and offers the line without it', () => {
    const result = run(['add', 'X', '--protocol', 'HTTP', '--port', 'eighty'], project('| Service | Port |\n|---|---|\n| api | 16000 |\n'));
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toMatch(
      /^portbook: `--port` must be a whole number from 1 to 65535, not `eighty`; or leave it out to get the next free port\n {2}portbook add X --protocol HTTP\n/,
    );
  });

  it('a missing source exits 2 with one line', () => {
    const result = run(['gen', '--source', 'nope.md'], project(''));
    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'portbook: Cannot read nope.md: no such file, but the project has docs/PORTS.md: point --source at it (`--source docs/PORTS.md`), or set "source" in portbook.config.json\n',
    });
  });

  it('a --templates directory that does not exist is a typo, not "no overrides": exit 2, on the fast path too', () => {
    const dir = project('| Service | Port |\n|---|---|\n| api | 8000 |\n');
    expect(run(['gen'], dir).code).toBe(0);
    const expected = { code: 2, stdout: '', stderr: 'portbook: Cannot read templates directory tmpls-typo: no such directory\n' };
    expect(run(['gen', '--templates', 'tmpls-typo'], dir)).toEqual(expected);
    expect(run(['check', '--templates', 'tmpls-typo'], dir)).toEqual(expected);
    const fromBin = spawnSync(process.execPath, [bin, 'check', '--templates', 'tmpls-typo'], { cwd: dir, encoding: 'utf8' });
    expect({ code: fromBin.status, stdout: fromBin.stdout, stderr: fromBin.stderr }).toEqual(expected);
  });

  it('a templates directory the config names must exist too, except the default one init writes', () => {
    const dir = project('| Service | Port |\n|---|---|\n| api | 8000 |\n');
    writeFileSync(path.join(dir, 'portbook.config.json'), '{ "templates": "tmpl" }\n');
    expect(run(['gen'], dir)).toEqual({
      code: 2,
      stdout: '',
      stderr: `portbook: ${path.join(dir, 'portbook.config.json')}: templates names "tmpl", which does not exist: create it, or fix the path\n`,
    });
    for (const spelling of ['templates', './templates', 'templates/']) {
      writeFileSync(path.join(dir, 'portbook.config.json'), `${JSON.stringify({ templates: spelling })}\n`);
      expect(run(['gen'], dir).code, spelling).toBe(0);
    }
  });

  it('a source that is too large, or a directory, exits 2 with one line', () => {
    const dir = project('');
    writeFileSync(path.join(dir, 'docs/PORTS.md'), Buffer.alloc(10 * 1000 * 1000, 'a'));
    expect(run(['gen'], dir)).toEqual({
      code: 2,
      stdout: '',
      stderr: 'portbook: Cannot read docs/PORTS.md: 10000000 bytes is more than the 5242880-byte limit for a registry\n',
    });
    expect(run(['gen', '--source', '.'], dir)).toEqual({ code: 2, stdout: '', stderr: 'portbook: Cannot read .: it is a directory\n' });
  });

  it('a malformed config exits 2 with one plain message', () => {
    const dir = project('| Service | Port |\n|---|---|\n| api | 8000 |\n');
    writeFileSync(path.join(dir, 'portbook.config.json'), '{"nginx": {"certficate": "/x"}}');
    expect(run(['gen'], dir)).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(
        /unknown setting `nginx\.certficate`; known: certificate, certificateKey, ipv6, http2, acmeWebroot, defaultServer, behindProxy\n$/,
      ),
    });
    writeFileSync(path.join(dir, 'portbook.config.json'), '{"targets": ["env",');
    expect(run(['gen'], dir)).toMatchObject({ code: 2, stderr: expect.stringMatching(/invalid JSON/) });
  });

  it('a unit name configured for a service the registry lacks exits 2 with a suggestion', () => {
    const dir = project('| Service | Port |\n|---|---|\n| Creator Suite API | 8000 |\n');
    writeFileSync(path.join(dir, 'portbook.config.json'), JSON.stringify({ systemd: { units: { 'Creator Suite Api': 'api' } } }));
    expect(run(['gen'], dir)).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(
        /systemd\.units names "Creator Suite Api", but no service in docs\/PORTS\.md is called that; did you mean "Creator Suite API"\? Fix the name, or remove the entry\n$/,
      ),
    });
  });

  it('an empty registry is an error at 1:1', () => {
    const result = run(['gen'], project(''));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^docs\/PORTS\.md:1:1 error .* registry-empty\n/);
  });
});

describe('the installed bin', () => {
  it('runs as a process with the same exit codes and no stack trace', () => {
    const dir = project(broken);
    const failing = spawnSync(process.execPath, [bin, 'gen'], { cwd: dir, encoding: 'utf8' });
    expect(failing.status).toBe(1);
    expect(failing.stderr).toContain('docs/PORTS.md:6:9 error');
    const usage = spawnSync(process.execPath, [bin, 'gen', '--source', 'missing.md'], { cwd: dir, encoding: 'utf8' });
    expect(usage.status).toBe(2);
    expect(usage.stderr).not.toMatch(/\n\s+at /);
    copyFileSync(path.join(seeds, 'template-filled.md'), path.join(dir, 'docs/PORTS.md'));
    const ok = spawnSync(process.execPath, [bin, 'gen'], { cwd: path.join(dir, 'docs'), encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(existsSync(path.join(dir, 'generated/.env.production'))).toBe(true);
  });
});
