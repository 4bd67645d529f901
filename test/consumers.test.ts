/**
 * The generated files, checked by the programs that will read them:
 * nginx -t, systemd-analyze verify, tsc --strict, dotenv's parser and python3.
 * Expected ports are written out literally below, independently of the renderer.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseDotenv } from 'dotenv';
import { beforeAll, describe, expect, it } from 'vitest';
import { type GenerateResult, generate } from '../src/index.js';
import {
  certificateConfig,
  minimalUnit,
  nginxTest as nginxTestIn,
  ok,
  outcome,
  python3,
  type Run,
  run,
  skipConsumers,
  systemdAnalyze,
  systemdSecurity,
  systemdVerify as systemdVerifyIn,
  systemdVerifyUnits,
  tsc as tscIn,
  tscProjects as tscProjectsIn,
  warnIfSkipped,
  write,
} from './consumers.js';
import { fileTemporaryDirs } from './helpers.js';

const repo = fileURLToPath(new URL('..', import.meta.url));
const seeds = path.join(repo, 'test/fixtures/seeds');

// ---------------------------------------------------------------- helpers

const temporaryDir = fileTemporaryDirs('consumers');

const suite = skipConsumers ? describe.skip : describe;
warnIfSkipped('consumers.test.ts');

/** A self-signed certificate and a config file pointing nginx at it: made once for this file. */
let configFile = '';
beforeAll(() => {
  if (!skipConsumers) configFile = certificateConfig(temporaryDir('tls'));
});

/** Generate `source` into a fresh directory with the test certificate config. */
function generateInto(source: string): { out: string; result: GenerateResult; again: () => GenerateResult } {
  const out = temporaryDir('out');
  const options = { source, out, config: configFile, cwd: path.dirname(source) };
  return { out, result: generate(options), again: () => generate(options) };
}

const nginxTest = (files: string[]): Run => nginxTestIn(files, temporaryDir('nginx'));
const systemdVerify = (unit: string, dropIn: string): Run & { dropInPath: string } => systemdVerifyIn(unit, dropIn, temporaryDir('systemd'));
const tsc = (files: Record<string, string>, type: 'module' | 'commonjs'): Run => tscIn(files, type, temporaryDir('tsc'));
const tscProjects = (projects: Parameters<typeof tscProjectsIn>[0]): Run => tscProjectsIn(projects, temporaryDir('tsc'));

// ---------------------------------------------------------------- fixtures

type Ports = Record<string, Record<string, number>>;

interface Fixture {
  name: string;
  /** The registry file, or its text (written to a temporary file). */
  source: { file: string } | { text: string };
  /** Environment → variable → port, exactly as the registry says. */
  ports: Ports;
  /** The environment whose ports settings exports as top-level constants. */
  primary: string;
  /** [environment, unit name, variable] for every systemd drop-in. */
  units: Array<[string, string, string]>;
  /** Environments with an nginx file, and `default-server` for the default servers' file (any site). */
  nginx: string[];
  /** Rule ids of the warnings expected. */
  warnings: string[];
  /** Environment → variable → string value from details sections (bind host, health path). */
  strings?: Record<string, Record<string, string>>;
  /** Unit → the drop-in's Environment= lines after the two port lines. */
  dropInExtra?: Record<string, string[]>;
}

const creatorSuite: Fixture = {
  name: 'creator-suite.md (mojibake, default environment, SSL sites)',
  source: { file: path.join(seeds, 'creator-suite.md') },
  ports: { default: { CREATOR_SUITE_FRONTEND_PORT: 16532, CREATOR_SUITE_API_PORT: 17354 } },
  primary: 'default',
  units: [
    ['default', 'creator-suite-frontend', 'CREATOR_SUITE_FRONTEND_PORT'],
    ['default', 'creator-suite-api', 'CREATOR_SUITE_API_PORT'],
  ],
  nginx: ['default', 'default-server'],
  // the picture's Bot Interface (port 18938) is in no table
  warnings: ['encoding-mojibake', 'mention-port-unregistered'],
  strings: {
    default: {
      CREATOR_SUITE_FRONTEND_HOST: '0.0.0.0',
      CREATOR_SUITE_FRONTEND_HEALTH_PATH: '/health',
      CREATOR_SUITE_API_HOST: '0.0.0.0',
      CREATOR_SUITE_API_HEALTH_PATH: '/health',
    },
  },
  dropInExtra: {
    'creator-suite-frontend': ['Environment="HOST=0.0.0.0"', 'Environment="WEB_CONCURRENCY=1"'],
    'creator-suite-api': [
      'Environment="HOST=0.0.0.0"',
      'Environment="WEB_CONCURRENCY=4"',
      'Environment="UVICORN_HOST=0.0.0.0"',
      'Environment="UVICORN_PORT=17354"',
      'Environment="UVICORN_WORKERS=4"',
    ],
  },
};

const templateFilled: Fixture = {
  name: 'template-filled.md (development and production)',
  source: { file: path.join(seeds, 'template-filled.md') },
  ports: {
    development: {
      API_SERVER_PORT: 16100,
      WEB_FRONTEND_PORT: 16101,
      DATABASE_PORT: 16102,
      REDIS_PORT: 16103,
      WEBSOCKET_PORT: 16104,
      JUPYTER_NOTEBOOK_PORT: 16105,
    },
    production: { API_SERVER_PORT: 17100, DATABASE_PORT: 17102, REDIS_PORT: 17103 },
  },
  primary: 'development',
  units: [
    ['development', 'api-server', 'API_SERVER_PORT'],
    ['development', 'web-frontend', 'WEB_FRONTEND_PORT'],
    ['development', 'database', 'DATABASE_PORT'],
    ['development', 'redis', 'REDIS_PORT'],
    ['development', 'websocket', 'WEBSOCKET_PORT'],
    ['development', 'jupyter-notebook', 'JUPYTER_NOTEBOOK_PORT'],
    ['production', 'api-server', 'API_SERVER_PORT'],
    ['production', 'database', 'DATABASE_PORT'],
    ['production', 'redis', 'REDIS_PORT'],
  ],
  nginx: ['development', 'production'],
  // its ```env sample (API_PORT=8000…) disagrees with the filled-in tables
  warnings: ['mention-port-mismatch', 'mention-port-mismatch', 'mention-port-mismatch'],
};

/** Free text that must stay inert: each piece must reach the outputs, and only inside comments. */
const hostileText = [
  'Says "hello"',
  '*/ """',
  '# not a comment',
  '$HOME',
  '{{x}}',
  'C:\\temp\\new',
  'back\\slash',
  '${PATH}',
  '{{#each}}',
  '| pipe',
  'Live "feed" $uri',
];

// Raw, so backslashes reach the Markdown as written; `${'…'}` inserts a literal `${PATH}` and backticks.
const edgeRegistry = String.raw`# Edge-case registry

Ports for the café's services.

## Services

| Service | Port | Protocol | Env | Description |
|---------|------|----------|-----|-------------|
| Café API (v2) | 18080 | HTTP | CAFE_API | Says "hello" and 'bye' */ """ # not a comment $HOME {{x}} C:\temp\new back\\slash |
| Live Feed | 18081 | WS | LIVE_FEED_WS | WebSocket feed; ends with a backslash \\ |
| Admin Panel | 18082 | HTTP |  | ${'${PATH}'} and ${'`{{#each}}`'} and %h %% 100% \| pipe |
| Cache | 18083 | Redis |  | Not proxied |

## External Access

| Domain | Port | SSL | Proxy Target | Purpose |
|--------|------|-----|--------------|---------|
| live.example.com | 443 | ✅ | 127.0.0.1:18081 | Live "feed" $uri */ |
| plain.example.com | 80 | ❌ | 127.0.0.1:18082 | Plain HTTP # hash |
| café.example.com | 8443 | yes | 127.0.0.1:18080 | Non-standard SSL port {{x}} |

## Production

### Production services

| Service | Port | Protocol | Env | Description |
|---------|------|----------|-----|-------------|
| Live Feed | 19081 | WS | LIVE_FEED_WS | Production feed |
| Café API (v2) | 19080 | HTTP |  | Production "API" |

### Production access

| Domain | SSL | Proxy Target | Purpose |
|--------|-----|--------------|---------|
| live.prod.example.com | yes | 127.0.0.1:19081 | Production live feed |

### Configuration Files

- **Cache Service**: ${'`/etc/systemd/system/cache@main.service`'} (an instance of a template unit)
`;

const edge: Fixture = {
  name: 'inline edge-case registry (WS, plain HTTP, :8443, unicode, hostile descriptions, Env column, a template instance unit)',
  source: { text: edgeRegistry },
  ports: {
    default: { CAFE_API: 18080, LIVE_FEED_WS: 18081, ADMIN_PANEL_PORT: 18082, CACHE_PORT: 18083 },
    production: { LIVE_FEED_WS: 19081, CAFE_API_V2_PORT: 19080 },
  },
  primary: 'default',
  units: [
    ['default', 'cafe-api-v2', 'CAFE_API'],
    ['default', 'live-feed', 'LIVE_FEED_WS'],
    ['default', 'admin-panel', 'ADMIN_PANEL_PORT'],
    ['default', 'cache@main', 'CACHE_PORT'],
    ['production', 'live-feed', 'LIVE_FEED_WS'],
    ['production', 'cafe-api-v2', 'CAFE_API_V2_PORT'],
  ],
  nginx: ['default', 'production', 'default-server'],
  warnings: [],
};

// The file layout portbook documents: `.env` / `.env.<env>`, `nginx/portbook[.<env>].conf`, `systemd/[<env>/]<unit>.service.d/portbook.conf`.
const suffix = (env: string): string => (env === 'default' ? '' : `.${env}`);
const envFile = (env: string): string => `.env${suffix(env)}`;
const nginxFile = (env: string): string => `nginx/portbook${suffix(env)}.conf`;
const dropInFile = (env: string, unit: string): string => `systemd/${env === 'default' ? '' : `${env}/`}${unit}.service.d/portbook.conf`;

function expectedFiles(fixture: Fixture): string[] {
  return [
    '.portbook-manifest.json',
    'architecture.mmd',
    ...Object.keys(fixture.ports).map(envFile),
    'settings.ts',
    'settings.py',
    ...fixture.nginx.map(nginxFile),
    ...fixture.units.map(([env, unit]) => dropInFile(env, unit)),
  ].sort();
}

/** A consumer of settings.ts whose every line tsc must accept: exact keys, exact literal ports. */
function tsConsumer(fixture: Fixture): string {
  const union = (names: string[]): string => names.map((name) => JSON.stringify(name)).join(' | ');
  const primary = fixture.ports[fixture.primary]!;
  const strings = fixture.strings?.[fixture.primary] ?? {};
  const lines = [
    "import * as settings from './settings.js';",
    `import { PORTS, type Environment, environment, ${[...Object.keys(primary), ...Object.keys(strings)].join(', ')} } from './settings.js';`,
    'type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;',
    `export const environments: Equal<Environment, ${union(Object.keys(fixture.ports))}> = true;`,
    `export const exported: Equal<keyof typeof settings, ${union(['PORTS', 'environment', ...Object.keys(primary), ...Object.keys(strings)])}> = true;`,
    'export const selected: Equal<typeof environment, Environment> = true;',
  ];
  for (const variable of Object.keys(primary)) lines.push(`export const constant_${variable}: number = ${variable};`);
  for (const variable of Object.keys(strings)) lines.push(`export const string_${variable}: string = ${variable};`);
  for (const [env, ports] of Object.entries(fixture.ports)) {
    lines.push(`export const keys_${env}: Equal<keyof (typeof PORTS)[${JSON.stringify(env)}], ${union(Object.keys(ports))}> = true;`);
    for (const [variable, port] of Object.entries(ports)) lines.push(`export const ${env}_${variable}: ${port} = PORTS[${JSON.stringify(env)}].${variable};`);
  }
  return `${lines.join('\n')}\n`;
}

const pythonProbe = `
import json, settings
constants = {k: v for k, v in vars(settings).items() if k.isupper() and k != "PORTS"}
types = sorted({type(v).__name__ for v in constants.values()} | {type(p).__name__ for env in settings.PORTS.values() for p in env.values()})
print(json.dumps({"environment": settings.environment, "constants": constants, "PORTS": settings.PORTS, "types": types}))
`;

/** The process environment without the variables settings read: what a program that sets none of them sees. */
function environmentWithout(fixture: Fixture): NodeJS.ProcessEnv {
  const read = new Set(['PORTBOOK_ENV', ...Object.values(fixture.ports).flatMap(Object.keys), ...Object.values(fixture.strings ?? {}).flatMap(Object.keys)]);
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !read.has(key)));
}

// ---------------------------------------------------------------- per-registry checks

for (const fixture of [creatorSuite, templateFilled, edge])
  suite(fixture.name, () => {
    let out = '';
    let result: GenerateResult;
    let again: () => GenerateResult;
    const read = (relative: string): string => readFileSync(path.join(out, relative), 'utf8');

    beforeAll(() => {
      const source = 'file' in fixture.source ? fixture.source.file : write(path.join(temporaryDir('src'), 'PORTS.md'), fixture.source.text);
      ({ out, result, again } = generateInto(source));
    });

    it('generates without errors, with the expected warnings and files', () => {
      expect(result.diagnostics.filter((message) => message.fatal).map(String)).toEqual([]);
      expect(result.diagnostics.map((message) => message.ruleId)).toEqual(fixture.warnings);
      expect(result.files).toBeDefined();
      expect([...result.files!.keys()].sort()).toEqual(expectedFiles(fixture));
    });

    it('is idempotent: a second generate() plans no change', () => {
      const second = again();
      expect(second.plan?.changes.map((change) => `${change.kind} ${change.path}`)).toEqual([]);
      expect(second.plan?.unchanged.sort()).toEqual(expectedFiles(fixture));
    });

    it('nginx -t accepts each nginx file on its own', () => {
      for (const env of fixture.nginx) {
        const file = path.join(out, nginxFile(env));
        expect(outcome(nginxTest([file])), `nginx -t on ${nginxFile(env)}`).toEqual(ok);
      }
    });

    it("nginx -t accepts all of the registry's nginx files in one http block", () => {
      const files = fixture.nginx.map((env) => path.join(out, nginxFile(env)));
      expect(outcome(nginxTest(files))).toEqual(ok);
    });

    it('systemd-analyze verify accepts every drop-in, silently', () => {
      for (const [env, unit, variable] of fixture.units) {
        const file = dropInFile(env, unit);
        const text = read(file);
        expect(outcome(systemdVerify(unit, text)), `systemd-analyze verify with ${file}`).toEqual(ok);
        const port = fixture.ports[env]![variable]!;
        expect(text.split('\n').filter((line) => line.startsWith('Environment='))).toEqual([
          `Environment="${variable}=${port}"`,
          `Environment="PORT=${port}"`,
          ...(fixture.dropInExtra?.[unit] ?? []),
        ]);
      }
    });

    it('systemd-analyze cat-config sees each drop-in as part of its unit', () => {
      for (const [env, unit] of fixture.units) {
        const root = temporaryDir('root');
        const unitDir = path.join(root, 'etc/systemd/system');
        write(path.join(unitDir, `${unit}.service`), minimalUnit);
        const dropIn = write(path.join(unitDir, `${unit}.service.d`, 'portbook.conf'), read(dropInFile(env, unit)));
        const shown = run(systemdAnalyze, [`--root=${root}`, '--no-pager', 'cat-config', `systemd/system/${unit}.service`]);
        expect(outcome(shown)).toEqual(ok);
        expect(shown.stdout).toContain(`# ${dropIn}\n${read(dropInFile(env, unit))}`);
      }
    });

    it('settings.ts compiles under tsc --strict, and a consumer sees the exact ports', () => {
      const consumer = tsConsumer(fixture);
      const settings = read('settings.ts');
      // settings.ts alone and with consumer.ts, as ESM and as CommonJS: four directories, one tsc run; an error names its directory
      const compiled = tscProjects({
        'module-alone': { type: 'module', files: { 'settings.ts': settings } },
        'module-with-consumer': { type: 'module', files: { 'settings.ts': settings, 'consumer.ts': consumer } },
        'commonjs-alone': { type: 'commonjs', files: { 'settings.ts': settings } },
        'commonjs-with-consumer': { type: 'commonjs', files: { 'settings.ts': settings, 'consumer.ts': consumer } },
      });
      expect(
        { status: compiled.status, stdout: compiled.stdout },
        `settings.ts alone and with consumer.ts, as ESM and CommonJS; consumer.ts:\n${consumer}`,
      ).toEqual({ status: 0, stdout: '' });
    });

    it('dotenv parses each .env file to exactly the registry ports', () => {
      for (const [env, ports] of Object.entries(fixture.ports)) {
        const expected = { ...Object.fromEntries(Object.entries(ports).map(([variable, port]) => [variable, String(port)])), ...fixture.strings?.[env] };
        expect(parseDotenv(read(envFile(env))), envFile(env)).toEqual(expected);
      }
    });

    it('python3 imports settings.py and sees exactly the registry ports', () => {
      const python = run(python3, ['-B', '-W', 'error', '-c', pythonProbe], {
        cwd: out,
        env: { ...environmentWithout(fixture), PYTHONDONTWRITEBYTECODE: '1' },
      });
      expect(outcome(python)).toEqual(ok);
      const strings = fixture.strings?.[fixture.primary];
      expect(JSON.parse(python.stdout)).toEqual({
        environment: fixture.primary,
        constants: { ...fixture.ports[fixture.primary], ...strings },
        PORTS: fixture.ports,
        types: strings ? ['int', 'str'] : ['int'],
      });
    });
  });

// ---------------------------------------------------------------- what the edge registry must produce

suite('inline edge-case registry: the nginx shapes and inert free text', () => {
  let out = '';
  const read = (relative: string): string => readFileSync(path.join(out, relative), 'utf8');
  beforeAll(() => {
    ({ out } = generateInto(write(path.join(temporaryDir('src'), 'PORTS.md'), edgeRegistry)));
  });

  /** The server block that contains `needle`. */
  const serverWith = (conf: string, needle: string): string => {
    const block = conf.split(/\n(?=server \{)/).find((part) => part.startsWith('server {') && part.includes(needle));
    if (!block) throw new Error(`no server block with ${needle} in:\n${conf}`);
    return block;
  };

  it('proxies the WebSocket service with a map and Upgrade headers, scoped per environment', () => {
    const conf = read(nginxFile('default'));
    expect(conf).toMatch(/^map \$http_upgrade \$portbook_connection_upgrade \{$/m);
    const live = serverWith(conf, 'listen 443 ssl http2;');
    expect(live).toContain('server_name live.example.com;');
    expect(live).toContain('proxy_set_header Upgrade $http_upgrade;');
    expect(live).toContain('proxy_set_header Connection $portbook_connection_upgrade;');
    expect(serverWith(conf, 'server_name plain.example.com;')).not.toContain('Upgrade');
    const production = read(nginxFile('production'));
    expect(production).toMatch(/^map \$http_upgrade \$portbook_production_connection_upgrade \{$/m);
    expect(serverWith(production, 'listen 443 ssl http2;')).toContain('proxy_set_header Connection $portbook_production_connection_upgrade;');
  });

  it('serves SSL=no as plain HTTP on port 80, and SSL on :8443 with a redirect keeping the port', () => {
    const conf = read(nginxFile('default'));
    const plain = serverWith(conf, 'server_name plain.example.com;');
    expect(plain).toMatch(/^ {4}listen 80;$/m);
    expect(plain).not.toMatch(/ssl|return 301/);
    expect(serverWith(conf, 'listen 8443 ssl http2;')).toContain('server_name xn--caf-dma.example.com;');
    expect(serverWith(conf, 'return 301 https://$host:8443$request_uri;')).toMatch(
      /listen 80;\n {4}listen \[::\]:80;\n {4}server_name xn--caf-dma\.example\.com;/,
    );
  });

  it('writes every piece of hostile free text, and only inside comments', () => {
    const commentStart = /^\s*(#|\/\/|\/\*\*? )/;
    const files = ['.env', 'settings.ts', 'settings.py', nginxFile('default'), dropInFile('default', 'cafe-api-v2'), dropInFile('default', 'admin-panel')];
    const all = files.map(read).join('\n');
    for (const piece of hostileText) expect(all, `${JSON.stringify(piece)} reaches the outputs`).toContain(piece);
    for (const file of files) {
      const leaking = read(file)
        .split('\n')
        .filter((line) => hostileText.some((piece) => line.includes(piece)) && !commentStart.test(line));
      expect(leaking, `${file}: free text outside a comment`).toEqual([]);
    }
    // In TypeScript the description's `*/` must not close the doc comment early.
    const tsLine = read('settings.ts')
      .split('\n')
      .find((line) => line.includes('Says "hello"'));
    expect(tsLine).toMatch(/^\/\*\* .*\*\\\/ """.* \*\/$/);
  });
});

// ---------------------------------------------------------------- the nginx settings, each as nginx reads it

suite('nginx-sites.md under every nginx setting: nginx -t accepts all the files in one http block', () => {
  const settings: Array<Record<string, unknown>> = [
    {},
    { ipv6: false },
    { http2: 'off' },
    { behindProxy: true },
    { behindProxy: ['shop.example.com'], acmeWebroot: '/srv/acme' },
    { acmeWebroot: false, defaultServer: false },
  ];
  it.each(settings.map((nginx) => [JSON.stringify(nginx), nginx] as const))('nginx: %s', (_, nginx) => {
    const base = JSON.parse(readFileSync(configFile, 'utf8')) as { nginx: Record<string, unknown> };
    const config = write(path.join(temporaryDir('config'), 'portbook.config.json'), JSON.stringify({ ...base, nginx: { ...base.nginx, ...nginx } }));
    const out = temporaryDir('out');
    const result = generate({ source: path.join(seeds, 'nginx-sites.md'), out, config, cwd: repo });
    expect(result.diagnostics.map(String)).toEqual([]);
    const files = [...result.files!.keys()].filter((file) => file.startsWith('nginx/'));
    expect(files).toEqual([
      'nginx/portbook.conf',
      ...(nginx.defaultServer === false ? [] : ['nginx/portbook.default-server.conf']),
      'nginx/portbook.production.conf',
    ]);
    expect(outcome(nginxTest(files.map((file) => path.join(out, file))))).toEqual(ok);
  });
});

// ---------------------------------------------------------------- the consumers really check

suite('negative controls: each consumer check can fail', () => {
  it('systemd-analyze verify fails on a broken drop-in, naming the drop-in and the line', () => {
    const unknownKey = systemdVerify('control', '[Service]\nBogus=1\n');
    expect(unknownKey.status).not.toBe(0);
    expect(unknownKey.stderr).toContain(`${unknownKey.dropInPath}:2: Unknown key 'Bogus' in section [Service], ignoring.`);
    const badAssignment = systemdVerify('control', '[Service]\nEnvironment=1BAD=x\n');
    expect(badAssignment.status).not.toBe(0);
    expect(badAssignment.stderr).toContain(`${badAssignment.dropInPath}:2: Invalid environment assignment, ignoring: 1BAD=x`);
    const unterminated = systemdVerify('control', '[Service]\nEnvironment="PORT=1\n');
    expect(unterminated.status).not.toBe(0);
    expect(unterminated.stderr).toContain(`${unterminated.dropInPath}:2: Invalid syntax, ignoring: "PORT=1`);
  });

  it('nginx -t fails on an unknown directive and on a missing certificate', () => {
    const unknown = nginxTest([write(path.join(temporaryDir('bad'), 'bad.conf'), 'bogus_directive on;\n')]);
    expect(unknown.status).not.toBe(0);
    expect(unknown.stderr).toContain('unknown directive "bogus_directive"');
    const noCertificate = nginxTest([
      write(
        path.join(temporaryDir('bad'), 'bad.conf'),
        'server {\n    listen 443 ssl;\n    ssl_certificate "/nonexistent/cert.pem";\n    ssl_certificate_key "/nonexistent/key.pem";\n}\n',
      ),
    ]);
    expect(noCertificate.status).not.toBe(0);
    expect(noCertificate.stderr).toMatch(/cannot load certificate "\/nonexistent\/cert\.pem"/);
  });

  it('nginx -t fails on two default servers for one port: why the default servers have a file of their own, included once', () => {
    const dir = temporaryDir('bad');
    const twice = ['a', 'b'].map((name) => write(path.join(dir, `${name}.conf`), 'server {\n    listen 18099 default_server;\n    return 444;\n}\n'));
    const result = nginxTest(twice);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('a duplicate default server for 0.0.0.0:18099');
  });

  it('tsc fails when a consumer reads a port settings.ts does not have', () => {
    const settings = 'export const PORTS = { "default": { API_PORT: 1 } } as const;\n';
    const consumer = "import { PORTS } from './settings.js';\nexport const p: number = PORTS.default.NOPE_PORT;\n";
    const result = tsc({ 'settings.ts': settings, 'consumer.ts': consumer }, 'module');
    expect(result.status).not.toBe(0);
    expect(result.stdout).toContain("Property 'NOPE_PORT' does not exist");
    // and in a run over several directories, the one that fails fails the run, by name
    const good = "import { PORTS } from './settings.js';\nexport const p: number = PORTS.default.API_PORT;\n";
    const several = tscProjects({
      good: { type: 'module', files: { 'settings.ts': settings, 'consumer.ts': good } },
      bad: { type: 'commonjs', files: { 'settings.ts': settings, 'consumer.ts': consumer } },
    });
    expect(several.status).not.toBe(0);
    expect(several.stdout).toMatch(/^bad\/consumer\.ts\(2,\d+\): error TS\d+: Property 'NOPE_PORT' does not exist/m);
    expect(several.stdout).not.toContain('good/');
  });
});

// ---------------------------------------------------------------- registries the consumers once rejected

suite('registries the consumers once rejected', () => {
  const generateText = (markdown: string): { out: string; result: GenerateResult } => generateInto(write(path.join(temporaryDir('src'), 'PORTS.md'), markdown));
  const noErrors = (result: GenerateResult): void => {
    expect(result.diagnostics.filter((message) => message.fatal).map(String)).toEqual([]);
    expect(result.files).toBeDefined();
  };

  it('a domain listed for both http and https (or on 443 and 8443) gives nginx one server per name and port', () => {
    const { out, result } = generateText(
      [
        '| Service | Port | Protocol |',
        '|---|---|---|',
        '| Web | 18090 | HTTP |',
        '',
        '## External Access',
        '',
        '| Domain | Port | SSL | Proxy Target |',
        '|---|---|---|---|',
        '| http://www.example.com | 80 | no | 127.0.0.1:18090 |',
        '| https://www.example.com | 443 | yes | 127.0.0.1:18090 |',
        '| https://alt.example.com | 443 | yes | 127.0.0.1:18090 |',
        '| https://alt.example.com | 8443 | yes | 127.0.0.1:18090 |',
        '',
      ].join('\n'),
    );
    noErrors(result);
    // nginx: [warn] conflicting server name "www.example.com" on 0.0.0.0:80, ignored (and the same for alt.example.com)
    expect(outcome(nginxTest([path.join(out, nginxFile('default'))]))).toEqual(ok);
  });

  it('an Env column naming a variable PORTS (which settings.ts declares itself) is refused at its cell', () => {
    const { out, result } = generateText('| Service | Port | Env |\n|---|---|---|\n| Gateway | 18095 | PORTS |\n');
    // it used to give settings.ts: error TS2451: Cannot redeclare block-scoped variable 'PORTS'.
    // (and protocol-assumed's warning at the table: `Gateway` says nothing of its protocol)
    expect(result.diagnostics.map((message) => [message.ruleId, message.line, message.column, message.fatal])).toEqual([
      ['protocol-assumed', 1, 1, false],
      ['variable-invalid', 3, 21, true],
    ]);
    expect(existsSync(path.join(out, 'settings.ts'))).toBe(false);
  });

  it('a default-environment site whose target is in a named environment gives a nginx/portbook.conf that stands alone', () => {
    const { out, result } = generateText(
      [
        '## Development Ports',
        '',
        '| Service | Port | Protocol |',
        '|---|---|---|',
        '| API Server | 16100 | HTTP |',
        '',
        '## Production Ports',
        '',
        '| Service | Port | Protocol |',
        '|---|---|---|',
        '| API Server | 17100 | HTTP |',
        '',
        '## External Access',
        '',
        '| Domain | SSL | Proxy Target |',
        '|---|---|---|',
        '| api.example.com | yes | 127.0.0.1:17100 |',
        '',
      ].join('\n'),
    );
    noErrors(result);
    // nginx: [emerg] host not found in upstream "production_api_server" in .../nginx/portbook.conf:20
    expect(outcome(nginxTest([path.join(out, nginxFile('default'))]))).toEqual(ok);
  });

  it('upstream names that would collide across environments are refused, since the nginx files can be included together', () => {
    const { result } = generateText(
      [
        '| Service | Port | Protocol |',
        '|---|---|---|',
        '| Production Web | 18100 | HTTP |',
        '',
        '## Production',
        '',
        '| Service | Port | Protocol |',
        '|---|---|---|',
        '| Web | 18200 | HTTP |',
        '',
      ].join('\n'),
    );
    // it used to give nginx: [emerg] duplicate upstream "production_web" in .../nginx/portbook.production.conf:6
    expect(result.diagnostics.map((message) => [message.ruleId, message.line, message.fatal])).toEqual([['identifier-duplicate', 9, true]]);
    expect(result.diagnostics[0]!.reason).toContain('`production_web` already derived for `Production Web` (line 3, the default environment)');
  });
});

// ---------------------------------------------------------------- full units

/**
 * The exposure `systemd-analyze security --offline=true` may give the hardened
 * API unit, in its 0–100 scale (the printout's 0–10 times ten). Measured:
 * 1.1 with systemd 252 (Debian 12, what CI installs), so 12 is that, rounded up
 * a little. Every directive of the profile but two moves the score by 0.1 or more.
 */
const securityThreshold = 12;

suite('full units, read by systemd-analyze', () => {
  const seed = readFileSync(path.join(seeds, 'creator-suite.md'), 'utf8');

  /** The Creator Suite registry (with `details` added to the API's) and `services` as the config's systemd.services: the systemd files. */
  function generateUnits(services: Record<string, unknown>, details = ''): Map<string, string> {
    const dir = temporaryDir('units');
    const source = write(path.join(dir, 'PORTS.md'), seed.replace('- **Framework**: FastAPI\n', `- **Framework**: FastAPI\n${details}`));
    const config = write(path.join(dir, 'portbook.config.json'), JSON.stringify({ systemd: { services } }));
    const result = generate({ source, out: path.join(dir, 'generated'), config, cwd: dir });
    expect(result.diagnostics.filter((message) => message.fatal).map(String)).toEqual([]);
    return new Map([...result.files!].filter(([file]) => file.startsWith('systemd/')));
  }

  /** `systemd-analyze security` on `unit` (its file's text) in a directory of its own. */
  const security = (unit: string, text: string): ReturnType<typeof systemdSecurity> => {
    const dir = temporaryDir('security');
    write(path.join(dir, unit), text);
    return systemdSecurity(unit, dir, securityThreshold);
  };

  const api = (services: Record<string, unknown>): string => generateUnits(services).get('systemd/creator-suite-api.service')!;
  // a real program, arguments that need quoting, a specifier and a variable: all reach /bin/true as words
  const execStart = ['/bin/true', '--title', 'Creator Suite API', '--port', '${PORT}', '--log', '%h.log'];

  it('verifies the hardened API unit and the frontend drop-in beside it, silently', () => {
    const workingDirectory = temporaryDir('srv');
    const files = generateUnits({ 'Creator Suite API': { execStart, user: 'creator', workingDirectory, readWritePaths: [workingDirectory] } });
    expect([...files.keys()].sort()).toEqual(['systemd/creator-suite-api.service', 'systemd/creator-suite-frontend.service.d/portbook.conf']);
    const unit = files.get('systemd/creator-suite-api.service')!;
    expect(unit).toContain('\nExecStart=/bin/true --title "Creator Suite API" --port ${PORT} --log "%%h.log"\n');
    expect(outcome(systemdVerifyUnits({ 'creator-suite-api.service': unit }, temporaryDir('verify')))).toEqual(ok);
    expect(outcome(systemdVerify('creator-suite-frontend', files.get('systemd/creator-suite-frontend.service.d/portbook.conf')!))).toEqual(ok);
  });

  it(`scores the hardened API unit at or under the threshold (${securityThreshold / 10} of 10)`, () => {
    for (const services of [{ 'Creator Suite API': { execStart, user: 'creator' } }, { 'Creator Suite API': { execStart } }]) {
      const scored = security('creator-suite-api.service', api(services));
      expect({ status: scored.status, stderr: scored.stderr }, scored.stdout).toEqual(ok);
      expect(scored.score).toBeLessThanOrEqual(securityThreshold / 10);
    }
  });

  it('scores above the threshold without the profile, and an opt-out costs what it leaves out: the threshold bites', () => {
    const bare = security('creator-suite-api.service', api({ 'Creator Suite API': { execStart, hardening: false } }));
    expect(bare.status).not.toBe(0);
    expect(bare.score).toBeGreaterThan(securityThreshold / 10);
    const full = security('creator-suite-api.service', api({ 'Creator Suite API': { execStart } }));
    const withoutFilter = security('creator-suite-api.service', api({ 'Creator Suite API': { execStart, hardening: { SystemCallFilter: false } } }));
    expect(withoutFilter.score).toBeGreaterThan(full.score!);
    expect(withoutFilter.status).not.toBe(0);
  });

  it("verifies the registry's own command, and the socket beside its service", () => {
    const files = generateUnits(
      { 'Creator Suite API': {} },
      '- **ExecStart**: `/bin/true --port ${PORT} --workers ${WEB_CONCURRENCY}`\n- **Socket Activation**: yes\n',
    );
    const unit = files.get('systemd/creator-suite-api.service')!;
    const socket = files.get('systemd/creator-suite-api.socket')!;
    expect(unit).toContain('\nExecStart=/bin/true --port ${PORT} --workers ${WEB_CONCURRENCY}\n');
    expect(unit).toContain('\nRequires=creator-suite-api.socket\nAfter=creator-suite-api.socket\n');
    expect(socket).toContain('\nListenStream=0.0.0.0:17354\nAccept=no\n');
    const dir = temporaryDir('verify');
    expect(outcome(systemdVerifyUnits({ 'creator-suite-api.service': unit, 'creator-suite-api.socket': socket }, dir))).toEqual(ok);
    expect(security('creator-suite-api.service', unit).status).toBe(0);
  });

  it('systemd-analyze verify fails on a unit whose program does not exist, and on a socket without an address (negative controls)', () => {
    const missing = systemdVerifyUnits({ 'x.service': '[Service]\nExecStart=/nonexistent/program\n' }, temporaryDir('verify'));
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain('Command /nonexistent/program is not executable');
    const dir = temporaryDir('verify');
    writeFileSync(path.join(dir, 'y.service'), minimalUnit);
    const hostName = systemdVerifyUnits({ 'y.socket': '[Socket]\nListenStream=localhost:80\n' }, dir);
    expect(hostName.status).not.toBe(0);
    expect(hostName.stderr).toContain("Failed to parse address value in 'localhost:80'");
  });
});
