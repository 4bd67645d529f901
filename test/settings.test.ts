/**
 * settings.ts and settings.py as programs import them: python3 imports
 * settings.py, Node imports settings.ts as tsc compiles it, each in a process
 * whose environment the test sets (and nothing else: no variable of the
 * machine running the tests leaks in). Expected ports are written out
 * literally, independently of the renderer. Also the config that places them
 * and chooses their selector variable, and the generic seed's layout end to end.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../src/index.js';
import { python3, run, skipConsumers, warnIfSkipped, write } from './consumers.js';
import { grammarViolations } from './grammar.js';
import { temporaryDirs } from './helpers.js';

const repo = fileURLToPath(new URL('..', import.meta.url));
const seeds = path.join(repo, 'test/fixtures/seeds');
const tscBin = path.join(repo, 'node_modules/typescript/bin/tsc');
const bin = path.join(repo, 'bin/portbook.cjs');
const temporaryDir = temporaryDirs('settings');
// the directories of beforeAll live until the file ends (temporaryDirs removes its own after each test)
const lasting: string[] = [];
afterAll(() => {
  for (const dir of lasting.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const lastingDir = (): string => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'portbook-settings-'));
  lasting.push(path.join(dir));
  return path.join(dir, 'generated');
};

const suite = skipConsumers ? describe.skip : describe;
warnIfSkipped('settings.test.ts');

/** Only what the case sets, and PATH: the test machine's own PORTBOOK_ENV or API_SERVER_PORT must not count. */
const environment = (variables: Record<string, string>): NodeJS.ProcessEnv => ({ PATH: process.env.PATH ?? '', PYTHONDONTWRITEBYTECODE: '1', ...variables });

/** Generate the settings targets of `registry` into `out`, with `settings` as the config's settings. */
function generateSettings(registry: string, out: string, settings: Record<string, unknown> = {}): void {
  const config = write(path.join(out, '..', 'portbook.config.json'), JSON.stringify({ targets: ['settings.ts', 'settings.py'], settings }));
  const result = generate({ source: registry, out, config, cwd: path.dirname(registry) });
  expect(result.diagnostics.filter((message) => message.fatal).map(String)).toEqual([]);
  expect(result.plan?.conflicts).toEqual([]);
}

/** Compile `dir/settings.ts` to `dir/js/settings.js` (ESM) with tsc --strict. */
function compile(dir: string): void {
  write(path.join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  const compiled = run(process.execPath, [tscBin, '--strict', '--target', 'es2022', '--module', 'nodenext', '--outDir', 'js', 'settings.ts'], { cwd: dir });
  expect({ status: compiled.status, stdout: compiled.stdout }).toEqual({ status: 0, stdout: '' });
}

/** What Python sees: each name's value, or the exception reading it raised; `error` when the import itself failed. */
function python(dir: string, names: readonly string[], variables: Record<string, string> = {}): Record<string, unknown> {
  const probe = `
import json
try:
    import settings
except Exception as error:
    print(json.dumps({"error": type(error).__name__ + ": " + str(error)}))
    raise SystemExit(0)
seen = {"environment": settings.environment}
for name in ${JSON.stringify(names)}:
    try:
        seen[name] = getattr(settings, name)
    except Exception as error:
        seen[name] = type(error).__name__ + ": " + str(error)
print(json.dumps(seen))
`;
  const result = run(python3, ['-B', '-W', 'error', '-c', probe], { cwd: dir, env: environment(variables) });
  expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

/** What Node sees importing the compiled settings.ts: each name's value; `error` when the import threw. */
function node(dir: string, names: readonly string[], variables: Record<string, string> = {}): Record<string, unknown> {
  const probe = `import(${JSON.stringify(path.join(dir, 'js/settings.js'))}).then(
  (settings) => console.log(JSON.stringify(Object.fromEntries(["environment", ...${JSON.stringify(names)}].map((name) => [name, settings[name]])))),
  (error) => console.log(JSON.stringify({ error: error.constructor.name + ": " + error.message })),
);`;
  const result = run(process.execPath, ['--input-type=module', '-e', probe], { cwd: dir, env: environment(variables) });
  expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

// template-filled.md: development 16100-16105, production 17100 (API), 17102 (Database), 17103 (Redis)
suite('the generated settings read the environment at import (development and production, production without the web frontend)', () => {
  let dir = '';
  const names = ['API_SERVER_PORT', 'DATABASE_PORT', 'WEB_FRONTEND_PORT'];
  beforeAll(() => {
    dir = lastingDir();
    generateSettings(path.join(seeds, 'template-filled.md'), dir, { environment: 'development' });
    compile(dir);
  }, 5 * 60_000);

  it("without variables: the configured environment's ports, as int and number", () => {
    const expected = { environment: 'development', API_SERVER_PORT: 16100, DATABASE_PORT: 16102, WEB_FRONTEND_PORT: 16101 };
    expect(python(dir, names)).toEqual(expected);
    expect(node(dir, names)).toEqual(expected);
  });

  it("a variable of a constant's name wins over the registry", () => {
    const expected = { environment: 'development', API_SERVER_PORT: 18000, DATABASE_PORT: 16102, WEB_FRONTEND_PORT: 16101 };
    expect(python(dir, names, { API_SERVER_PORT: '18000' })).toEqual(expected);
    expect(node(dir, names, { API_SERVER_PORT: '18000' })).toEqual(expected);
  });

  it("PORTBOOK_ENV chooses the environment: production's ports; a constant production lacks is an ImportError in Python and development's port in TypeScript", () => {
    const production = { environment: 'production', API_SERVER_PORT: 17100, DATABASE_PORT: 17102 };
    expect(python(dir, names, { PORTBOOK_ENV: 'production' })).toEqual({
      ...production,
      WEB_FRONTEND_PORT:
        'ImportError: No WEB_FRONTEND_PORT in the production environment of the port registry, and the variable is not set: set WEB_FRONTEND_PORT, or PORTBOOK_ENV to an environment that has it',
    });
    expect(node(dir, names, { PORTBOOK_ENV: 'production' })).toEqual({ ...production, WEB_FRONTEND_PORT: 16101 });
    // the variable makes it known in Python too; names the module never had stay an AttributeError
    expect(python(dir, [...names, 'NOPE_PORT'], { PORTBOOK_ENV: 'production', WEB_FRONTEND_PORT: '18001' })).toEqual({
      ...production,
      WEB_FRONTEND_PORT: 18001,
      NOPE_PORT: "AttributeError: module 'settings' has no attribute 'NOPE_PORT'",
    });
    expect(node(dir, names, { PORTBOOK_ENV: 'production', WEB_FRONTEND_PORT: '18001' })).toEqual({ ...production, WEB_FRONTEND_PORT: 18001 });
  });

  it('`from settings import` a constant the environment lacks fails with the message; the others import', () => {
    const imported = run(python3, ['-B', '-c', 'from settings import API_SERVER_PORT, DATABASE_PORT; print(API_SERVER_PORT, DATABASE_PORT)'], {
      cwd: dir,
      env: environment({ PORTBOOK_ENV: 'production' }),
    });
    expect({ status: imported.status, stdout: imported.stdout }).toEqual({ status: 0, stdout: '17100 17102\n' });
    const missing = run(python3, ['-B', '-c', 'from settings import WEB_FRONTEND_PORT'], { cwd: dir, env: environment({ PORTBOOK_ENV: 'production' }) });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/\nImportError: No WEB_FRONTEND_PORT in the production environment of the port registry, and the variable is not set/);
  });

  it.each([
    ['abc', "'abc'", '"abc"'],
    ['70000', "'70000'", '"70000"'],
    ['', "''", '""'],
    ['8000.5', "'8000.5'", '"8000.5"'],
    ['0', "'0'", '"0"'],
    [' 8000', "' 8000'", '" 8000"'],
    ['٨٠٠٠', "'٨٠٠٠'", '"٨٠٠٠"'],
    ['1e3', "'1e3'", '"1e3"'],
  ])('API_SERVER_PORT=%j fails at import, naming the variable and the value', (value, pythonShown, nodeShown) => {
    const why = 'expected a port (a whole number from 1 to 65535): fix API_SERVER_PORT or unset it';
    expect(python(dir, names, { API_SERVER_PORT: value })).toEqual({ error: `ValueError: Unexpected API_SERVER_PORT=${pythonShown}, ${why}` });
    expect(node(dir, names, { API_SERVER_PORT: value })).toEqual({ error: `Error: Unexpected API_SERVER_PORT=${nodeShown}, ${why}` });
  });

  it('a bad value of a constant the environment lacks fails too, and a port with leading zeros is read as its number', () => {
    expect(python(dir, names, { PORTBOOK_ENV: 'production', WEB_FRONTEND_PORT: 'web' })).toMatchObject({
      error: expect.stringContaining("WEB_FRONTEND_PORT='web'"),
    });
    expect(node(dir, names, { PORTBOOK_ENV: 'production', WEB_FRONTEND_PORT: 'web' })).toMatchObject({
      error: expect.stringContaining('WEB_FRONTEND_PORT="web"'),
    });
    expect(python(dir, ['API_SERVER_PORT'], { API_SERVER_PORT: '08080' })).toEqual({ environment: 'development', API_SERVER_PORT: 8080 });
    expect(node(dir, ['API_SERVER_PORT'], { API_SERVER_PORT: '08080' })).toEqual({ environment: 'development', API_SERVER_PORT: 8080 });
  });

  it.each(['staging', '', 'Production', 'toString'])('PORTBOOK_ENV=%j fails at import, naming the variable, the value and the environments', (value) => {
    const why = 'expected one of development, production: set it to an environment of the port registry, or unset it';
    expect(python(dir, names, { PORTBOOK_ENV: value })).toEqual({ error: `ValueError: Unexpected PORTBOOK_ENV=${`'${value}'`}, ${why}` });
    expect(node(dir, names, { PORTBOOK_ENV: value })).toEqual({ error: `Error: Unexpected PORTBOOK_ENV=${JSON.stringify(value)}, ${why}` });
  });
});

// creator-suite.md: one environment, with hosts and health-check paths from its details sections
suite('hosts and health-check paths are strings from the environment, with the registry as default', () => {
  let dir = '';
  const names = ['CREATOR_SUITE_API_PORT', 'CREATOR_SUITE_API_HOST', 'CREATOR_SUITE_API_HEALTH_PATH'];
  beforeAll(() => {
    dir = lastingDir();
    generateSettings(path.join(seeds, 'creator-suite.md'), dir);
    compile(dir);
  }, 5 * 60_000);

  it('as the registry says, and as the variables say (no conversion, an empty value too)', () => {
    const registry = { environment: 'default', CREATOR_SUITE_API_PORT: 17354, CREATOR_SUITE_API_HOST: '0.0.0.0', CREATOR_SUITE_API_HEALTH_PATH: '/health' };
    expect(python(dir, names)).toEqual(registry);
    expect(node(dir, names)).toEqual(registry);
    const variables = { CREATOR_SUITE_API_HOST: '127.0.0.1', CREATOR_SUITE_API_HEALTH_PATH: '' };
    const overridden = { ...registry, CREATOR_SUITE_API_HOST: '127.0.0.1', CREATOR_SUITE_API_HEALTH_PATH: '' };
    expect(python(dir, names, variables)).toEqual(overridden);
    expect(node(dir, names, variables)).toEqual(overridden);
  });
});

suite('the selector variable is the one the config names', () => {
  it('APP_ENV chooses the environment; PORTBOOK_ENV is then an ordinary variable', () => {
    const dir = temporaryDir();
    const out = path.join(dir, 'out');
    generateSettings(path.join(seeds, 'template-filled.md'), out, { environment: 'production', environmentVariable: 'APP_ENV' });
    compile(out);
    const names = ['API_SERVER_PORT'];
    for (const probe of [python, node]) {
      expect(probe(out, names)).toEqual({ environment: 'production', API_SERVER_PORT: 17100 });
      expect(probe(out, names, { PORTBOOK_ENV: 'staging' })).toEqual({ environment: 'production', API_SERVER_PORT: 17100 });
      expect(probe(out, names, { APP_ENV: 'development' })).toEqual({ environment: 'development', API_SERVER_PORT: 16100 });
      expect(probe(out, names, { APP_ENV: 'staging' })).toMatchObject({ error: expect.stringContaining('Unexpected APP_ENV=') });
    }
  });
});

suite('tsc --strict accepts settings.ts under stricter flags, with and without @types/node', () => {
  it('for a registry with hosts, one without, and one whose environments differ', () => {
    const dir = temporaryDir();
    const files: string[] = [];
    for (const seed of ['creator-suite.md', 'template-filled.md']) {
      const out = path.join(dir, seed.replace(/\.md$/, ''));
      generateSettings(path.join(seeds, seed), path.join(out, 'generated'));
      cpSync(path.join(out, 'generated/settings.ts'), path.join(dir, `${path.basename(out)}.ts`));
      files.push(`${path.basename(out)}.ts`);
    }
    write(path.join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    const strict = ['--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext'];
    const stricter = [
      '--noUncheckedIndexedAccess',
      '--exactOptionalPropertyTypes',
      '--noPropertyAccessFromIndexSignature',
      '--noUnusedLocals',
      '--noUnusedParameters',
      '--noImplicitReturns',
      '--verbatimModuleSyntax',
      '--isolatedModules',
    ];
    const withoutNode = run(process.execPath, [tscBin, ...strict, ...stricter, '--types', '', ...files], { cwd: dir });
    expect({ status: withoutNode.status, stdout: withoutNode.stdout }).toEqual({ status: 0, stdout: '' });
    const withNode = run(process.execPath, [tscBin, ...strict, '--typeRoots', path.join(repo, 'node_modules/@types'), '--types', 'node', ...files], {
      cwd: dir,
    });
    expect({ status: withNode.status, stdout: withNode.stdout }).toEqual({ status: 0, stdout: '' });
  });
});

describe('the settings files keep to their grammar', () => {
  it('in both render fixtures', () => {
    for (const name of ['creator-suite', 'template-filled']) {
      const files = new Map(
        ['settings.ts', 'settings.py'].map((file) => [file, readFileSync(path.join(repo, 'test/fixtures/render', name, file), 'utf8')] as const),
      );
      expect(grammarViolations(files)).toEqual([]);
    }
  });

  it('and the grammar refuses a line it does not list', () => {
    const ts = readFileSync(path.join(repo, 'test/fixtures/render/template-filled/settings.ts'), 'utf8');
    const py = readFileSync(path.join(repo, 'test/fixtures/render/template-filled/settings.py'), 'utf8');
    expect(
      grammarViolations(
        new Map([
          ['settings.ts', ts.replace('port("API_SERVER_PORT", 16100)', 'port("OTHER_PORT", 16100)')],
          ['settings.py', py.replace('import os as _os', 'import os as _os; os.system("x")')],
        ]),
      ),
    ).toEqual([
      'settings.ts:35: "export const API_SERVER_PORT: number = port(\\"OTHER_PORT\\", 16100);"',
      'settings.py:12: "import os as _os; os.system(\\"x\\")"',
    ]);
  });
});

describe('settings in portbook.config.json', () => {
  const registry = '| Service | Port |\n|---|---|\n| api | 8000 |\n';
  /** `gen` in a project with `settings` as its config's settings: exit code and stderr. */
  const gen = (settings: unknown): { code: number | null; stderr: string; dir: string } => {
    const dir = temporaryDir();
    write(path.join(dir, 'package.json'), '{}\n');
    write(path.join(dir, 'docs/PORTS.md'), registry);
    write(path.join(dir, 'portbook.config.json'), JSON.stringify({ settings }));
    const result = spawnSync(process.execPath, [bin, 'gen'], { cwd: dir, encoding: 'utf8', env: environment({}) });
    return { code: result.status, stderr: result.stderr, dir };
  };

  it.each([
    ['../settings.py', 'a path inside the output directory'],
    ['/etc/settings.py', 'a path inside the output directory'],
    ['config/../../settings.py', 'a path inside the output directory'],
    ['config//settings.py', 'a path inside the output directory'],
    ['./settings.py', 'a path inside the output directory'],
    ['config\\settings.py', 'a path inside the output directory'],
    ['settings.txt', 'ending in .py'],
    ['.portbook-manifest.py', 'a path inside the output directory'],
    ['config/my-settings.py', 'a file name Python can import'],
    ['config/2settings.py', 'a file name Python can import'],
  ])('refuses settings.paths.py %j, writing nothing', (value, why) => {
    const { code, stderr, dir } = gen({ paths: { py: value } });
    expect(code).toBe(2);
    expect(stderr).toContain('`settings.paths.py` must be');
    expect(stderr).toContain(why);
    expect(spawnSync('ls', ['-A', dir], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).sort()).toEqual([
      'docs',
      'package.json',
      'portbook.config.json',
    ]);
  });

  it('refuses settings.paths.ts not ending in .ts, unknown keys, and a selector that is not a variable name', () => {
    expect(gen({ paths: { ts: 'settings.js' } }).stderr).toContain('`settings.paths.ts` must be a path inside the output directory');
    expect(gen({ paths: { rb: 'settings.rb' } }).stderr).toContain('unknown setting `settings.paths.rb`; known: ts, py');
    expect(gen({ environmentVariable: 'app-env' }).stderr).toContain(
      '`settings.environmentVariable` must be a variable name of upper-case letters, digits and _',
    );
    expect(gen({ environmentVariable: '' }).stderr).toContain('`settings.environmentVariable` must be a non-empty string');
  });

  it('places each file where it says, inside --out', () => {
    const { code, dir } = gen({ paths: { py: 'config/settings.py', ts: 'src/ports.ts' } });
    expect(code).toBe(0);
    expect(readFileSync(path.join(dir, 'generated/config/settings.py'), 'utf8')).toContain('API_PORT: int = _port("API_PORT")');
    expect(readFileSync(path.join(dir, 'generated/src/ports.ts'), 'utf8')).toContain('export const API_PORT: number = port("API_PORT", 8000);');
    expect(JSON.parse(readFileSync(path.join(dir, 'generated/.portbook-manifest.json'), 'utf8')).files).toHaveProperty(['config/settings.py']);
  });
});

suite("the generic seed's layout, end to end: .env and config/settings.py in the project root", () => {
  it('after `portbook fill`, `from config.settings import API_SERVER_PORT` gives the registry port, the variable wins, a bad one fails naming it', () => {
    const dir = temporaryDir();
    write(path.join(dir, 'package.json'), '{}\n');
    writeFileSync(path.join(dir, 'PORTS.md'), readFileSync(path.join(seeds, 'template.md')));
    write(
      path.join(dir, 'portbook.config.json'),
      JSON.stringify({
        source: 'PORTS.md',
        out: '.',
        targets: ['env', 'settings.py'],
        settings: { environment: 'development', environmentVariable: 'PORTBOOK_ENV', paths: { py: 'config/settings.py' } },
      }),
    );
    const filled = spawnSync(process.execPath, [bin, 'fill'], { cwd: dir, encoding: 'utf8', env: environment({}) });
    expect(filled.status, filled.stderr).toBe(0);
    expect(filled.stdout).toContain('created config/settings.py\n');
    // the registry now holds the ports fill chose; the settings must say the same
    const registered = (service: string, section: string): number => {
      const table = readFileSync(path.join(dir, 'PORTS.md'), 'utf8').split(`## ${section}`)[1]!;
      return Number(new RegExp(`^\\| ${service} \\| (\\d+) \\|`, 'm').exec(table)![1]);
    };
    const development = registered('API Server', 'Development Ports');
    const production = registered('API Server', 'Production Ports');
    expect(development).not.toBe(production);

    const python = (variables: Record<string, string>) =>
      spawnSync(python3, ['-B', '-c', 'from config.settings import API_SERVER_PORT; print(API_SERVER_PORT)'], {
        cwd: dir,
        encoding: 'utf8',
        env: environment(variables),
      });
    expect(python({}).stdout).toBe(`${development}\n`);
    expect(python({ PORTBOOK_ENV: 'production' }).stdout).toBe(`${production}\n`);
    expect(python({ API_SERVER_PORT: '18080' }).stdout).toBe('18080\n');
    const bad = python({ API_SERVER_PORT: 'eighty' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(
      /\nValueError: Unexpected API_SERVER_PORT='eighty', expected a port \(a whole number from 1 to 65535\): fix API_SERVER_PORT or unset it\n$/,
    );
    // and the .env beside it says the same port
    expect(readFileSync(path.join(dir, '.env.development'), 'utf8')).toContain(`API_SERVER_PORT=${development}\n`);
  });
});
