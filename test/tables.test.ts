/**
 * Tables as people write them (issue 17): a services table without a
 * Protocol column, a URL column, port typos and placeholders, and a project
 * whose registry is not where portbook looks. Each part from the vocabulary
 * (registry/protocols.ts) through the rules to the files gen writes.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { columnKind, extract, parsePort, parseServiceUrl } from '../src/extract/index.js';
import { build, generate } from '../src/index.js';
import { read } from '../src/read/index.js';
import { recogniseService } from '../src/registry/protocols.js';
import { hasUpstream, serviceProtocol } from '../src/registry/queries.js';
import { validate } from '../src/validate/index.js';
import { certificateConfig, nginxTest, ok, outcome, skipConsumers, warnIfSkipped } from './consumers.js';
import { runCli, temporaryDirs, writeProject } from './helpers.js';

warnIfSkipped('tables.test.ts');

const temporaryDir = temporaryDirs('tables');

/** Template tag: drops the leading newline so the sample's first line is line 1. */
const md = (strings: TemplateStringsArray, ...values: unknown[]): string =>
  strings.reduce((text, part, index) => text + String(values[index - 1]) + part).replace(/^\n/, '');

/** The registry and its diagnostics, as `line:column severity rule` and the messages. */
function diagnose(markdown: string) {
  const source = read(new TextEncoder().encode(markdown), 'docs/PORTS.md');
  const registry = extract(source);
  validate(registry, source.file);
  const messages = [...source.file.messages].sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
  return {
    registry,
    brief: messages.map((m) => `${m.line}:${m.column} ${m.fatal ? 'error' : 'warning'} ${m.ruleId}`),
    reasons: messages.map((m) => m.reason),
    reason: (rule: string): string[] => messages.filter((m) => m.ruleId === rule).map((m) => m.reason),
  };
}

// ---------------------------------------------------------------- 1. no Protocol column

describe('recognising a service by its name or default port', () => {
  it.each([
    ['Postgres', 16000, 'PostgreSQL', 'name'],
    ['postgres-primary', undefined, 'PostgreSQL', 'name'],
    ['PostgresDB', 16000, 'PostgreSQL', 'name'],
    ['MariaDB', 16000, 'MySQL', 'name'],
    ['Redis', 16001, 'Redis', 'name'],
    ['MongoDB', 16002, 'MongoDB', 'name'],
    ['RabbitMQ', 16003, 'AMQP', 'name'],
    ['Elasticsearch', 9300, 'TCP', 'name'],
    ['Memcached', 16004, 'memcached', 'name'],
    ['Kafka', 16005, 'Kafka', 'name'],
    ['ClickHouse', 9000, 'ClickHouse', 'name'],
    ['etcd', 16006, 'etcd', 'name'],
    ['ZooKeeper', 16007, 'ZooKeeper', 'name'],
    ['SMTP Relay', 16008, 'SMTP', 'name'],
    ['gRPC Gateway', 16009, 'gRPC', 'name'],
    ['Chat WebSocket', 16010, 'WS', 'name'],
    ['Database', 5432, 'PostgreSQL', 'port'],
    ['Cache', 6379, 'Redis', 'port'],
    ['Store', 3306, 'MySQL', 'port'],
    ['Broker', 5672, 'AMQP', 'port'],
    ['Database', 16011, 'TCP', 'name'],
  ])('%s on port %s reads as %s (from its %s)', (name, port, protocol, by) => {
    expect(recogniseService(name, port)).toMatchObject({ protocol, by });
  });

  it.each([
    ['RabbitMQ', 15672, 'HTTP'],
    ['RabbitMQ Management', 16003, 'HTTP'],
    ['Elasticsearch', 9200, 'HTTP'],
    ['ClickHouse', 8123, 'HTTP'],
    ['Postgres Admin', 5432, 'HTTP'],
    ['Redis Commander', 6379, 'HTTP'],
    ['pgAdmin', 16000, 'HTTP'],
    ['Web Frontend', 5432, 'HTTP'],
    ['API Server', 3306, 'HTTP'],
  ])('%s on port %s reads as %s: a front end, or the HTTP side of the product', (name, port, protocol) => {
    expect(recogniseService(name, port)?.protocol).toBe(protocol);
  });

  it('recognises nothing in a name and port that say nothing (HTTP is then assumed)', () => {
    expect(recogniseService('Worker', 16000)).toBeUndefined();
    expect(recogniseService('Billing', undefined)).toBeUndefined();
    // a port alone is not enough for ports many programs use (9000: ClickHouse, MinIO, php-fpm, SonarQube…)
    expect(recogniseService('Backend', 9000)).toBeUndefined();
    // nor a word that only contains a known name
    expect(recogniseService('Redistribution', 16000)).toBeUndefined();
  });

  it('gives the model and the rules one reading: a Protocol cell first, then the name and port, then HTTP', () => {
    const { registry } = diagnose(md`
| Service | Port | Protocol |
|---|---|---|
| Redis | 16001 | HTTP |
| Redis | 16002 | |
| Worker | 16003 | |
`);
    const [declared, recognised, unknown] = registry.services;
    expect(serviceProtocol(declared!)).toMatchObject({ protocol: 'HTTP', assumed: undefined });
    expect(serviceProtocol(recognised!)).toMatchObject({ protocol: 'Redis', assumed: { protocol: 'Redis', by: 'name' } });
    expect(serviceProtocol(unknown!)).toMatchObject({ protocol: undefined, assumed: 'http' });
    expect([declared, recognised, unknown].map((service) => hasUpstream(service!))).toEqual([true, false, true]);
  });
});

describe('protocol-assumed', () => {
  it('warns at each row read as something other than HTTP, naming what it was read as and why', () => {
    const d = diagnose(md`
| Service | Port |
|---|---|
| API | 16000 |
| Database | 5432 |
| **Redis** | 16001 |
`);
    expect(d.brief).toEqual(['4:14 warning protocol-assumed', '5:3 warning protocol-assumed']);
    expect(d.reasons[0]).toBe(
      'No Protocol cell for `Database`: read as PostgreSQL from its port 5432, so nginx gets no upstream for it; add a `Protocol` column to say so, or to say what it speaks instead',
    );
    expect(d.reasons[1]).toContain('`Redis`: read as Redis from its name');
  });

  it('warns once at the table where HTTP is assumed for names it does not know, listing them', () => {
    const d = diagnose(md`
## Production

| Service | Port |
|---|---|
| Worker | 16000 |
| Billing | 16001 |
| Web | 16002 |
| Cache | 6379 |
`);
    expect(d.brief).toEqual(['3:1 warning protocol-assumed', '8:11 warning protocol-assumed']);
    expect(d.reasons[0]).toBe(
      'No Protocol column: `Worker` (line 5) and `Billing` (line 6) are read as HTTP, so nginx gets an upstream for each; add a `Protocol` column to say what each speaks',
    );
  });

  it('says "cell" where the table has a Protocol column whose cell is empty, and counts a long list', () => {
    const rows = Array.from({ length: 7 }, (_, index) => `| Job ${index} | ${16000 + index} | |`).join('\n');
    const d = diagnose(`| Service | Port | Protocol |\n|---|---|---|\n${rows}\n`);
    expect(d.brief).toEqual(['1:1 warning protocol-assumed']);
    expect(d.reasons[0]).toMatch(/^No Protocol cell: `Job 0` \(line 3\), .* `Job 4` \(line 7\) and 2 more are read as HTTP/);
    expect(d.reasons[0]).toContain('give each a Protocol cell');
  });

  it('is quiet for a table whose rows all say their protocol, or are known HTTP front ends', () => {
    expect(
      diagnose(md`
| Service | Port | Protocol |
|---|---|---|
| Worker | 16000 | TCP |
| Database | 5432 | PostgreSQL |

| Service | Port |
|---|---|
| API | 16001 |
| Web Frontend | 16002 |
| Admin Dashboard | 16003 |
`).brief,
    ).toEqual([]);
  });

  it('says a row placed in several environments once', () => {
    const d = diagnose(md`
| Service | Port | Environment |
|---|---|---|
| Redis | 16001 | all |

## Production

| Service | Port | Protocol |
|---|---|---|
| API | 16002 | HTTP |
`);
    expect(d.brief).toEqual(['3:3 warning protocol-assumed']);
  });
});

describe('a service read as something other than HTTP gets no upstream and no proxy', () => {
  const registry = md`
| Service | Port |
|---|---|
| API | 16000 |
| postgres | 16100 |
| redis | 16101 |

## External Access

| Domain | SSL | Proxy Target |
|---|---|---|
| api.example.com | ✅ | 127.0.0.1:16000 |
| db.example.com | ✅ | 127.0.0.1:16100 |
`;

  it('proxy-target-not-http at the target, saying no server block is written', () => {
    const d = diagnose(registry);
    expect(d.brief).toEqual(['4:3 warning protocol-assumed', '5:3 warning protocol-assumed', '12:24 warning proxy-target-not-http']);
    expect(d.reason('proxy-target-not-http')[0]).toBe(
      'Proxy target `127.0.0.1:16100` of `db.example.com` is `postgres`, read as PostgreSQL from its name (no Protocol cell), which is not HTTP: ' +
        'no server block is written for it; point the row at an HTTP service, or give the service a Protocol cell if it speaks HTTP',
    );
  });

  it('end to end: gen writes no upstream and no server block for them, and says so at each row', () => {
    const dir = writeProject(temporaryDir(), registry);
    const result = runCli(['gen'], dir);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('docs/PORTS.md:4:3 warning No Protocol cell for `postgres`: read as PostgreSQL from its name');
    expect(result.stderr).toContain('docs/PORTS.md:5:3 warning No Protocol cell for `redis`: read as Redis from its name');
    const nginx = readFileSync(path.join(dir, 'generated/nginx/portbook.conf'), 'utf8');
    expect(nginx).toContain('upstream api {');
    expect(nginx).toContain('server_name api.example.com;');
    expect(nginx).not.toMatch(/postgres|redis|16100|16101|db\.example\.com/);
    // the ports are still in .env and the settings: only nginx leaves them out
    expect(readFileSync(path.join(dir, 'generated/.env'), 'utf8')).toContain('POSTGRES_PORT=16100');
  });

  it('an explicit non-HTTP Protocol cell gets no server block either, and an unknown one is proxied as before', () => {
    const dir = writeProject(
      temporaryDir(),
      md`
| Service | Port | Protocol |
|---|---|---|
| Cache | 16101 | Redis |
| Odd | 16102 | Flux |

| Domain | SSL | Proxy Target |
|---|---|---|
| cache.example.com | ✅ | 127.0.0.1:16101 |
| odd.example.com | ✅ | 127.0.0.1:16102 |
`,
    );
    const built = build({ cwd: dir });
    const nginx = built.files!.get('nginx/portbook.conf')!;
    expect(nginx).not.toContain('cache.example.com');
    expect(nginx).toContain('proxy_pass http://127.0.0.1:16102;');
  });
});

describe('add agrees with the reading of a row without a Protocol cell', () => {
  const before = '| Service | Port |\n|---|---|\n| Web | 16001 |\n';

  it('leaves the cell out only where the row reads as the protocol silently', () => {
    const dir = writeProject(temporaryDir(), before);
    expect(runCli(['add', 'Billing API', '--protocol', 'HTTP', '--port', '16002'], dir)).toMatchObject({ code: 0, stderr: '' });
    expect(readFileSync(path.join(dir, 'docs/PORTS.md'), 'utf8')).toBe(`${before}| Billing API | 16002 |\n`);
  });

  it('writes HTTP for a name that says nothing, rather than leave it to a warning', () => {
    const dir = writeProject(temporaryDir(), before);
    const result = runCli(['add', 'Billing', '--protocol', 'HTTP', '--port', '16002'], dir);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain('(and a Protocol column to its table)');
    expect(readFileSync(path.join(dir, 'docs/PORTS.md'), 'utf8')).toBe(
      '| Service | Port | Protocol |\n|---|---| --- |\n| Web | 16001 |  |\n| Billing | 16002 | HTTP |\n',
    );
  });

  it('writes the protocol a name would be read as, so the row is not reported', () => {
    const dir = writeProject(temporaryDir(), before);
    const result = runCli(['add', 'Postgres', '--protocol', 'PostgreSQL', '--port', '16002'], dir);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(readFileSync(path.join(dir, 'docs/PORTS.md'), 'utf8')).toContain('| Postgres | 16002 | PostgreSQL |\n');
    expect(runCli(['check'], dir)).toMatchObject({ code: 0, stderr: '' });
  });
});

// ---------------------------------------------------------------- 2. a URL column

describe('a URL cell', () => {
  it('is its own kind of column, not a domain column', () => {
    expect(['URL', 'URLs', 'Public URL', 'Endpoint', 'Link'].map(columnKind)).toEqual(['url', 'url', 'url', 'url', 'url']);
    expect(columnKind('Domain')).toBe('domain');
  });

  it.each([
    ['https://api.example.com', { kind: 'public', scheme: 'https', host: 'api.example.com' }],
    ['https://API.Example.com/', { kind: 'public', scheme: 'https', host: 'api.example.com' }],
    ['http://shop.example.com:8080', { kind: 'public', scheme: 'http', host: 'shop.example.com', port: 8080 }],
    ['wss://chat.example.com', { kind: 'public', scheme: 'wss', host: 'chat.example.com' }],
    ['api.example.com', { kind: 'public', host: 'api.example.com' }],
    ['http://localhost:3000', { kind: 'local', scheme: 'http', host: 'localhost', port: 3000 }],
    ['http://127.0.0.1:3000/', { kind: 'local', scheme: 'http', host: '127.0.0.1', port: 3000 }],
    ['localhost:8000', { kind: 'local', host: 'localhost', port: 8000 }],
    ['http://[::1]:8080', { kind: 'local', scheme: 'http', host: '[::1]', port: 8080 }],
    ['http://api:8000/docs', { kind: 'local', scheme: 'http', host: 'api', port: 8000 }],
    ['postgresql://user:secret@localhost:5432/app', { kind: 'local', scheme: 'postgresql', host: 'localhost', port: 5432 }],
    ['http://10.0.0.5:9000', { kind: 'local', scheme: 'http', host: '10.0.0.5', port: 9000 }],
    ['https://api.example.com/v1', { kind: 'unsupported', problem: 'path', host: 'api.example.com', path: '/v1' }],
    ['https://api.example.com?x=1', { kind: 'unsupported', problem: 'path', path: '?x=1' }],
    ['https://admin:pw@api.example.com', { kind: 'unsupported', problem: 'credentials' }],
    ['ftp://files.example.com', { kind: 'unsupported', problem: 'scheme', scheme: 'ftp' }],
    ['https://api.example.com:99999', { kind: 'unsupported', problem: 'port' }],
    ['see the wiki', { kind: 'unsupported', problem: 'shape' }],
  ])('%s', (text, expected) => {
    expect(parseServiceUrl(text)).toMatchObject(expected);
  });
});

describe('a services table with a URL column', () => {
  const registry = md`
## Development

| Service | Port | URL |
|---|---|---|
| API | 16000 | http://localhost:16000 |
| Web | 16001 | |

## Production

| Service | Port | Protocol | URL |
|---|---|---|---|
| API | 17000 | HTTP | https://api.example.com |
| Shop | 17001 | HTTP | [the shop](http://shop.example.com:8080/) |
`;

  it('reads a public URL as external access for the row: the domain, SSL from the scheme, the port on loopback, at the URL cell', () => {
    const d = diagnose(registry);
    expect(d.brief).toEqual([]);
    const [api, shop] = d.registry.externalAccess;
    expect(api).toMatchObject({
      environment: { name: 'production' },
      domain: { value: 'api.example.com', text: 'https://api.example.com', position: { line: 12, column: 24 } },
      scheme: 'https',
      target: { value: { host: '127.0.0.1', port: 17000 }, position: { line: 12, column: 24 } },
      position: { line: 12, column: 1 },
    });
    expect(api!.port).toBeUndefined();
    expect(shop).toMatchObject({
      domain: { value: 'shop.example.com', text: 'http://shop.example.com:8080/' },
      scheme: 'http',
      port: { value: { kind: 'number', port: 8080 } },
      target: { value: { host: '127.0.0.1', port: 17001 } },
    });
    // a local URL is where the service listens: no external access
    expect(d.registry.externalAccess).toHaveLength(2);
    expect(d.registry.services[0]!.url).toMatchObject({ value: { kind: 'local', port: 16000 }, position: { line: 5, column: 17 } });
  });

  it('url-port-mismatch: a local URL whose port is not the Port cell', () => {
    const d = diagnose(md`
| Service | Port | URL |
|---|---|---|
| API | 16000 | http://localhost:16001 |
| Web | 16002 | http://localhost |
| Docs | xxxx | http://localhost:16003 |
`);
    expect(d.brief).toEqual(['3:17 error url-port-mismatch', '5:10 error port-placeholder']);
    expect(d.reason('url-port-mismatch')[0]).toBe(
      'URL `http://localhost:16001` of `API` says port 16001, but its Port cell says 16000: make them agree (the Port cell is what portbook uses)',
    );
  });

  it('url-unsupported: a path, credentials, another scheme or a URL it cannot read; no server block for it', () => {
    const d = diagnose(md`
| Service | Port | URL |
|---|---|---|
| API | 16000 | https://example.com/api |
| Web | 16001 | https://me:pw@web.example.com |
| Files | 16002 | ftp://files.example.com |
| Docs | 16003 | see the wiki |
`);
    expect(d.brief).toEqual([
      '1:1 warning protocol-assumed',
      '3:17 warning url-unsupported',
      '4:17 warning url-unsupported',
      '5:19 warning url-unsupported',
      '6:18 warning url-unsupported',
    ]);
    expect(d.reason('url-unsupported')[0]).toBe(
      'Unexpected path `/api` in the URL `https://example.com/api` of `API`, expected a bare origin such as `https://example.com`: paths are not supported, so no server block is written for it; give the service a subdomain of its own, or serve the path from the service behind its own domain',
    );
    expect(d.registry.externalAccess).toEqual([]);
  });

  it('a URL of a service read as something other than HTTP gets no server block: proxy-target-not-http at the URL', () => {
    const d = diagnose(md`
| Service | Port | URL |
|---|---|---|
| API | 16000 | https://api.example.com |
| Redis | 16001 | https://cache.example.com |
`);
    expect(d.brief).toEqual(['4:3 warning protocol-assumed', '4:19 warning proxy-target-not-http']);
    expect(d.reason('proxy-target-not-http')[0]).toBe(
      'URL `https://cache.example.com` of `Redis` would proxy HTTP to a service read as Redis from its name (no Protocol cell), which is not HTTP: no server block is written for it; remove the URL, or give the service a Protocol cell if it speaks HTTP',
    );
  });

  it('a domain written twice, in a URL cell and an external-access table, is domain-duplicate at the second', () => {
    const d = diagnose(md`
| Service | Port | URL |
|---|---|---|
| API | 16000 | https://api.example.com |

| Domain | SSL | Proxy Target |
|---|---|---|
| api.example.com | yes | 127.0.0.1:16000 |
`);
    expect(d.brief).toEqual(['7:3 error domain-duplicate']);
  });
});

const temporaries: string[] = [];
afterAll(() => {
  for (const dir of temporaries.splice(0)) rmSync(dir, { recursive: true, force: true });
});
let tlsConfig = '';
beforeAll(() => {
  if (skipConsumers) return;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'portbook-tables-tls-'));
  temporaries.push(dir);
  tlsConfig = certificateConfig(dir);
});

describe('end to end: a URL column gives a server block', () => {
  const registry = md`
# Ports

| Service | Port | Protocol | URL |
|---|---|---|---|
| API | 16000 | HTTP | https://api.example.com |
| Web | 16001 | HTTP | http://www.example.com |
| Chat | 16002 | WS | wss://chat.example.com |
| Database | 16003 | PostgreSQL | http://localhost:16003 |
`;

  it('gen writes the server blocks, the redirect and the upstreams, and says nothing', () => {
    const dir = writeProject(temporaryDir(), registry);
    const result = runCli(['gen'], dir);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const nginx = readFileSync(path.join(dir, 'generated/nginx/portbook.conf'), 'utf8');
    // the port-80 server of an SSL site redirects (after the ACME location), the site itself listens with TLS
    expect(nginx).toMatch(
      /server \{\n {4}listen 80;\n {4}listen \[::\]:80;\n {4}server_name api\.example\.com;\n[\s\S]*?return 301 https:\/\/\$host\$request_uri;/,
    );
    expect(nginx).toContain('    listen 443 ssl http2;\n    listen [::]:443 ssl http2;\n    server_name api.example.com;');
    expect(nginx).toContain('    listen 80;\n    listen [::]:80;\n    server_name www.example.com;');
    expect(nginx).toContain('proxy_pass http://api;');
    expect(nginx).toContain('proxy_pass http://chat;');
    expect(nginx).toContain('proxy_set_header Upgrade $http_upgrade;');
    expect(nginx).not.toContain('database');
  });

  it.skipIf(skipConsumers)('nginx -t accepts them', () => {
    const dir = writeProject(temporaryDir(), registry);
    const out = path.join(dir, 'generated');
    const result = generate({ source: path.join(dir, 'docs/PORTS.md'), out, config: tlsConfig, cwd: dir });
    expect(result.diagnostics).toEqual([]);
    expect(outcome(nginxTest([path.join(out, 'nginx/portbook.conf')], temporaryDir()))).toEqual(ok);
  });
});

describe.skipIf(skipConsumers)('the hostile URL corpus, read by nginx', () => {
  it('test/fixtures/hostile/urls.md: what is served passes nginx -t, and what is not served is nowhere in it', () => {
    const corpus = new URL('./fixtures/hostile/', import.meta.url).pathname;
    const out = path.join(temporaryDir(), 'out');
    const result = generate({ source: path.join(corpus, 'urls.md'), out, config: tlsConfig, cwd: corpus });
    expect(result.files).toBeDefined();
    const file = path.join(out, 'nginx/portbook.production.conf');
    expect(outcome(nginxTest([file], temporaryDir()))).toEqual(ok);
    const nginx = readFileSync(file, 'utf8');
    expect(nginx.match(/^ {4}server_name .*;$/gm)).toEqual(
      ['www', 'www', 'xn--bcher-kva', 'xn--bcher-kva', '*.tenants', '*.tenants', 'alt', 'chat', 'chat', 'shop', 'shop', 'trail', 'trail'].map(
        (name) => `    server_name ${name}${name.startsWith('xn--') ? '.example' : '.example.com'};`,
      ),
    );
    expect(nginx).not.toMatch(/\$\(|rewrite\^|passwd|deny all|[gqc]\.example|x\.example|cache\.example|\{y\}/);
  });
});

// ---------------------------------------------------------------- 3. placeholders and typos

describe('a port cell that is not a port yet', () => {
  it('a placeholder names the commands that fill it', () => {
    const d = diagnose(md`
| Service | Port |
|---|---|
| API | xxxx |
`);
    expect(d.reason('port-placeholder')).toEqual([
      'Port of `API` is the placeholder `xxxx`, expected a number from 1 to 65535: choose a free port and write it here (`portbook next` prints one), or run `portbook fill` to write one into every placeholder',
    ]);
  });

  it('an external-access placeholder says what nginx would listen on instead (fill does not fill those)', () => {
    const d = diagnose(md`
| Service | Port | Protocol |
|---|---|---|
| API | 16000 | HTTP |

| Domain | Port | SSL | Proxy Target |
|---|---|---|---|
| api.example.com | TBD | yes | 127.0.0.1:16000 |
`);
    expect(d.reason('port-placeholder')).toEqual([
      'Port of `api.example.com` is the placeholder `TBD`, expected a number from 1 to 65535: write the port nginx listens on, or leave the cell empty for 443 with SSL and 80 without',
    ]);
  });

  it.each([
    ['80O0', 8000],
    ['8OOO', 8000],
    ['8o00', 8000],
    ['l6532', 16532],
    ['I7354', 17354],
    ['80 00', 8000],
    ['8 0 0 0', 8000],
    ['8,000', 8000],
    ['16,532', 16532],
    ['8,OOO', 8000],
    ['`80O0`', 8000],
  ])('reads %s as %s, the one obvious reading', (text, port) => {
    expect(parsePort(text.replace(/`/g, ''))).toEqual({ kind: 'invalid', reading: port });
  });

  it.each(['80a0', '443 80', '16 532', '80, 443', '80,443', '8.000', 'lol', 'OOOO', '99O99', '8000-8010', '8000/udp8'])('guesses nothing for %s', (text) => {
    expect(parsePort(text)).toEqual({ kind: 'invalid' });
  });

  it('port-not-integer says "did you mean" at the cell', () => {
    const d = diagnose(md`
| Service | Port |
|---|---|
| API | 80O0 |
| Web | 8,000 |
| Admin | 80a0 |
`);
    expect(d.reason('port-not-integer')).toEqual([
      'Unexpected port `80O0` for `API`, expected one whole number from 1 to 65535: did you mean 8000? Write it in digits',
      'Unexpected port `8,000` for `Web`, expected one whole number from 1 to 65535: did you mean 8000? Write it in digits',
      'Unexpected port `80a0` for `Admin`, expected one whole number from 1 to 65535',
    ]);
  });
});

// ---------------------------------------------------------------- 4. no registry where portbook looks

describe('no registry at the source path', () => {
  const registry = '| Service | Port | Protocol |\n|---|---|---|\n| API | 16000 | HTTP |\n';
  /** A project with package.json and `files` (path → content), and no docs/PORTS.md. */
  function projectWith(files: Record<string, string>): string {
    const dir = temporaryDir();
    writeFileSync(path.join(dir, 'package.json'), '{}\n');
    for (const [file, content] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), content);
    }
    return dir;
  }

  it('says so and suggests portbook init when the project has no PORTS.md', () => {
    const dir = projectWith({ 'README.md': '# x\n' });
    expect(runCli(['gen'], dir)).toEqual({
      code: 2,
      stdout: '',
      stderr: 'portbook: Cannot read docs/PORTS.md: no such file; run `portbook init` to start a registry there, or point --source at your PORTS.md\n',
    });
  });

  it('points at a PORTS.md elsewhere in the project, which --source then reads', () => {
    const dir = projectWith({ 'PORTS.md': registry });
    expect(runCli(['check'], dir)).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'portbook: Cannot read docs/PORTS.md: no such file, but the project has PORTS.md: point --source at it (`--source PORTS.md`), or set "source" in portbook.config.json\n',
    });
    expect(runCli(['gen', '--source', 'PORTS.md'], dir)).toMatchObject({ code: 0, stderr: '' });
  });

  it('names several, shallowest first, relative to where the command runs, and finds any case of the name', () => {
    const dir = projectWith({ 'services/api/PORTS.md': registry, 'ops/ports.md': registry, 'services/PORTS.md': registry });
    const result = runCli(['gen'], path.join(dir, 'services'));
    expect(result.stderr).toBe(
      'portbook: Cannot read ../docs/PORTS.md: no such file, but the project has ../ops/ports.md, PORTS.md and api/PORTS.md: point --source at yours (`--source ../ops/ports.md`), or set "source" in portbook.config.json\n',
    );
  });

  it('skips node_modules, .git, generated and hidden directories, and looks no deeper than three levels', () => {
    const dir = projectWith({
      'node_modules/pkg/PORTS.md': registry,
      '.git/PORTS.md': registry,
      'generated/PORTS.md': registry,
      '.cache/PORTS.md': registry,
      'a/b/c/d/PORTS.md': registry,
      'a/b/c/PORTS.md': registry,
    });
    expect(runCli(['gen'], dir).stderr).toContain('the project has a/b/c/PORTS.md: point --source at it');
  });

  it('with --json, the error object carries the same message', () => {
    const dir = projectWith({ 'PORTS.md': registry });
    const result = runCli(['gen', '--json', '--source', 'nope.md'], dir);
    expect(JSON.parse(result.stdout)).toEqual({
      error: {
        message:
          'Cannot read nope.md: no such file, but the project has PORTS.md: point --source at it (`--source PORTS.md`), or set "source" in portbook.config.json',
        exitCode: 2,
      },
    });
  });
});
