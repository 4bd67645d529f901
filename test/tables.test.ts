/**
 * Tables as people write them (issue 17): a services table without a
 * Protocol column, a URL column, port typos and placeholders, and a project
 * whose registry is not where portbook looks. Each part from the vocabulary
 * (registry/protocols.ts) through the rules to the files gen writes.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { extract } from '../src/extract/index.js';
import { build } from '../src/index.js';
import { read } from '../src/read/index.js';
import { recogniseService } from '../src/registry/protocols.js';
import { hasUpstream, serviceProtocol } from '../src/registry/queries.js';
import { validate } from '../src/validate/index.js';
import { runCli, temporaryDirs, writeProject } from './helpers.js';

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
