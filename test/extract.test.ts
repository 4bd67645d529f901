import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { columnKind, extract, parseDomain, parsePort, parseProxyTarget, parseSsl } from '../src/extract/index.js';
import { read } from '../src/read/index.js';
import { environmentNamed, environmentsNamed } from '../src/registry/environments.js';
import { letterDigitRuns } from '../src/registry/names.js';
import type { Registry } from '../src/registry/types.js';

const registryOf = (markdown: string | Uint8Array): Registry =>
  extract(read(typeof markdown === 'string' ? new TextEncoder().encode(markdown) : markdown, 'PORTS.md'));

/** Services as plain rows: environment, name, port, and the other cells present. */
const rows = (registry: Registry) =>
  registry.services.map((service) => ({
    environment: service.environment.name,
    name: service.name.value,
    port: service.port.value.kind === 'number' ? service.port.value.port : service.port.value.kind,
    ...(service.protocol && { protocol: service.protocol.value }),
    ...(service.status && { status: service.status.value }),
    ...(service.description && { description: service.description.value }),
    ...(service.variable && { variable: service.variable.value }),
  }));

describe('table shapes', () => {
  const expected = [{ environment: null, name: 'api', port: 8000, protocol: 'HTTP', status: '✅ Active', description: 'Main | REST API' }];

  it.each([
    ['plain', '| Service | Port | Protocol | Status | Description |\n|---|---|---|---|---|\n| api | 8000 | HTTP | ✅ Active | Main \\| REST API |\n'],
    [
      'markup in cells',
      '| Service | Port | Protocol | Status | Description |\n|---|---|---|---|---|\n| **api** | `8000` | _HTTP_ | ✅ Active | Main \\| REST **API** |\n',
    ],
    [
      'markup in headers, other names',
      '| **Name** | Port(s) | Proto | State | _Notes_ |\n|---|---|---|---|---|\n| api | 8000 | HTTP | ✅ Active | Main \\| REST API |\n',
    ],
    [
      'no outer pipes, alignment row',
      'Service | Port | Protocol | Status | Purpose\n:--- | ---: | :---: | --- | ---\napi | 8000 | HTTP | ✅ Active | Main \\| REST API\n',
    ],
    [
      'upper-case headers',
      '| SERVICE | PORT | PROTOCOL | STATUS | DESCRIPTION |\n|---|---|---|---|---|\n| api | 8000 | HTTP | ✅ Active | Main \\| REST API |\n',
    ],
    [
      'CRLF and BOM',
      '\uFEFF| Service | Port | Protocol | Status | Description |\r\n|---|---|---|---|---|\r\n| api | 8000 | HTTP | ✅ Active | Main \\| REST API |\r\n',
    ],
  ])('%s', (_, markdown) => {
    expect(rows(registryOf(markdown))).toEqual(expected);
  });

  it('reads an Env column as the variable name', () => {
    const registry = registryOf('| Service | Port | Env |\n|---|---|---|\n| API Server | 8000 | `API_PORT` |\n| Web | 3001 | |\n');
    expect(rows(registry)).toEqual([
      { environment: null, name: 'API Server', port: 8000, variable: 'API_PORT' },
      { environment: null, name: 'Web', port: 3001 },
    ]);
  });

  it('keeps placeholders, junk and missing cells as such for validate', () => {
    const registry = registryOf('| Service | Port |\n|---|---|\n| a | xxxx |\n| b | TBD |\n| c | |\n| d | 80a |\n| e |\n');
    expect(rows(registry).map((row) => row.port)).toEqual(['placeholder', 'placeholder', 'placeholder', 'invalid', 'missing']);
  });

  it('ignores tables that are not port tables, and empty rows', () => {
    const registry = registryOf('| Key | Value |\n|---|---|\n| a | 1 |\n\n| Service | Port |\n|---|---|\n| | |\n| a | 1 |\n');
    expect(rows(registry)).toEqual([{ environment: null, name: 'a', port: 1 }]);
  });

  it('finds tables wherever they stand: in lists, block quotes, after prose', () => {
    const registry = registryOf(
      'Intro.\n\n> | Service | Port |\n> |---|---|\n> | quoted | 1 |\n\n- item\n\n  | Service | Port |\n  |---|---|\n  | listed | 2 |\n',
    );
    expect(rows(registry).map((row) => row.name)).toEqual(['quoted', 'listed']);
  });

  it('keeps the position of every value: the first character of the cell content', () => {
    const registry = registryOf('# Ports\n\n| Service | Port | Protocol |\n|---|---|---|\n| **api** | `8000` | HTTP |\n');
    const [service] = registry.services;
    expect(service!.position).toEqual({ line: 5, column: 1 });
    expect(service!.name.position).toEqual({ line: 5, column: 3 });
    expect(service!.port.position).toEqual({ line: 5, column: 13 });
    expect(service!.protocol!.position).toEqual({ line: 5, column: 22 });
  });

  it('warns about a duplicated header and reads the first column', () => {
    const source = read(new TextEncoder().encode('| Service | Port | Port |\n|---|---|---|\n| a | 1 | 2 |\n'), 'PORTS.md');
    const registry = extract(source);
    expect(rows(registry)).toEqual([{ environment: null, name: 'a', port: 1 }]);
    expect(source.file.messages.map((m) => [m.ruleId, m.line, m.column, m.fatal])).toEqual([['table-duplicate-column', 1, 20, false]]);
  });
});

describe('environments', () => {
  it('reads words as the runs of letters and digits of any script, split where Unicode splits them', () => {
    for (const text of ['', 'Dev', '**Port(s)**', 'pré-prod 2', 'Straße_Ⅻ ٣', '📋 Port Allocation', '𝐀𝐁 c\ud800d', '-a-']) {
      expect(letterDigitRuns(text), text).toEqual(text.split(/[^\p{L}\p{N}]+/u));
    }
    expect(columnKind('**Proxy-Target**')).toBe('target');
    expect(environmentsNamed('📋 Dev and Prod')).toEqual(['development', 'production']);
  });

  it('takes the environment from the nearest heading only', () => {
    const registry = registryOf(
      [
        '# Ports',
        '',
        '## Development Ports',
        '',
        '| Service | Port |',
        '|---|---|',
        '| a | 1 |',
        '',
        '## Production',
        '',
        '### Application',
        '',
        '| Service | Port |',
        '|---|---|',
        '| b | 2 |',
        '',
        '## Staging',
        '',
        '| Service | Port |',
        '|---|---|',
        '| c | 3 |',
        '',
        '## Test',
        '',
        '| Service | Port |',
        '|---|---|',
        '| d | 4 |',
        '',
        '## Other notes',
        '',
        '| Service | Port |',
        '|---|---|',
        '| e | 5 |',
        '',
        '## Local (dev)',
        '',
        '| Service | Port |',
        '|---|---|',
        '| f | 6 |',
        '',
        '## Prod',
        '',
        '| Service | Port |',
        '|---|---|',
        '| g | 7 |',
        '',
      ].join('\n'),
    );
    expect(rows(registry).map((row) => [row.name, row.environment])).toEqual([
      ['a', 'development'],
      ['b', null],
      ['c', 'staging'],
      ['d', 'test'],
      ['e', null],
      ['f', 'development'],
      ['g', 'production'],
    ]);
  });

  it('does not match environment words inside other words', () => {
    expect(environmentNamed('Latest products')).toBeUndefined();
    expect(environmentNamed('Contest')).toBeUndefined();
    expect(environmentNamed('Dev Ports')).toBe('development');
    expect(environmentNamed('STAGE')).toBe('staging');
    expect(environmentNamed('Non-production services')).toBeUndefined();
    expect(environmentNamed('Pre-production')).toBe('staging');
    expect(environmentsNamed('Dev and Prod')).toEqual(['development', 'production']);
  });

  it('reads an Environment column per row: one environment, several, or all', () => {
    const registry = registryOf(
      '## Services\n\n| Service | Port | Environment |\n|---|---|---|\n| a | 1 | prod |\n| b | 2 | dev |\n| c | 3 | all |\n| d | 4 | |\n| e | 5 | dev, staging |\n',
    );
    expect(rows(registry).map((row) => [row.name, row.environment])).toEqual([
      ['a', 'production'],
      ['b', 'development'],
      ['c', null],
      ['c', 'production'],
      ['c', 'development'],
      ['c', 'staging'],
      ['d', null],
      ['e', 'development'],
      ['e', 'staging'],
    ]);
  });

  it('skips struck-through rows and reads inline HTML as a separator', () => {
    const registry = registryOf('| Service | Port |\n|---|---|\n| ~~Old~~ | 1 |\n| Gone | ~~2~~ |\n| <b>Auth</b> | <code>3</code> |\n| Two | 4<br>5 |\n');
    expect(rows(registry)).toEqual([
      { environment: null, name: 'Auth', port: 3 },
      { environment: null, name: 'Two', port: 'invalid' },
    ]);
  });

  it('reads a Domain or Host column in a service table as part of the service table', () => {
    const registry = registryOf('| Service | Port | Host |\n|---|---|---|\n| Api | 16532 | api.example.com |\n');
    expect(rows(registry)).toEqual([{ environment: null, name: 'Api', port: 16532 }]);
    expect(registry.externalAccess).toEqual([]);
  });
});

describe('external access and reserved ranges', () => {
  it('reads the Creator Suite seed (mis-encoded) to clean values', () => {
    const registry = registryOf(readFileSync(new URL('./fixtures/seeds/creator-suite.md', import.meta.url)));
    expect(rows(registry)).toEqual([
      {
        environment: null,
        name: 'Creator Suite Frontend',
        port: 16532,
        protocol: 'HTTP',
        status: '✅ Active',
        description: 'React/Next.js frontend application',
      },
      {
        environment: null,
        name: 'Creator Suite API',
        port: 17354,
        protocol: 'HTTP',
        status: '✅ Active',
        description: 'FastAPI backend with uvicorn (4 workers)',
      },
    ]);
    expect(
      registry.externalAccess.map((access) => ({
        domain: access.domain.value,
        scheme: access.scheme,
        port: access.port?.value,
        ssl: access.ssl?.value,
        target: access.target?.value,
        purpose: access.purpose?.value,
      })),
    ).toEqual([
      {
        domain: 'video.destinpq.com',
        scheme: 'https',
        port: { kind: 'number', port: 443 },
        ssl: true,
        target: { host: '127.0.0.1', port: 16532 },
        purpose: 'Frontend UI Access',
      },
      {
        domain: 'video-api.destinpq.com',
        scheme: 'https',
        port: { kind: 'number', port: 443 },
        ssl: true,
        target: { host: '127.0.0.1', port: 17354 },
        purpose: 'API Access',
      },
    ]);
    expect(registry.reservedRanges.map((range) => [range.name.value, range.range.value, range.description])).toEqual([
      ['Primary Range', { from: 16532, to: 17354 }, 'API and frontend services'],
      ['Bot Range', { from: 18938, to: 18948 }, 'Bot services'],
    ]);
    expect(registry.reservedRanges[0]!.range.position).toEqual({ line: 61, column: 22 });
  });

  it('reads ranges only under a heading that mentions reserved ranges', () => {
    const registry = registryOf(
      '## Notes\n\n- **Dev**: `3000-9000`\n\n## Reserved Ranges\n\n- Web: 8000 - 8099\n- Workers: 9000 to 9010 (queue)\n- Ask ops before using these.\n- **Note**: ports 16610, 16611 are internal\n- **SSH**: 22\n- Bot Range: 18938-\n',
    );
    expect(registry.reservedRanges.map((range) => [range.name.value, range.range.value])).toEqual([
      ['Web', { from: 8000, to: 8099 }],
      ['Workers', { from: 9000, to: 9010 }],
      ['SSH', { from: 22, to: 22 }],
      ['Bot Range', undefined],
    ]);
  });

  it('reads thousands separators, and still a single port followed by a comma and prose', () => {
    const registry = registryOf(
      '## Reserved Port Ranges\n\n- **Primary**: `20,000-20,099`\n- Bots: 22_000..22_099 (chat)\n- **Admin**: 9000, used by the admin panel\n- Odd: 20,5\n- 0-1023: well-known ports, need root\n',
    );
    expect(registry.reservedRanges.map((range) => [range.name.value, range.range.value, range.range.position, range.description])).toEqual([
      ['Primary', { from: 20000, to: 20099 }, { line: 3, column: 16 }, undefined],
      ['Bots', { from: 22000, to: 22099 }, { line: 4, column: 9 }, 'chat'],
      ['Admin', { from: 9000, to: 9000 }, { line: 5, column: 14 }, ', used by the admin panel'],
      ['Odd', undefined, { line: 6, column: 8 }, undefined],
    ]);
  });
});

describe('several ranges in one list item', () => {
  const ranges = (registry: Registry) =>
    registry.reservedRanges.map((range) => [range.name.value, range.range.value ?? range.range.text, range.range.position, range.description]);

  it('reads each range of an item as a range of that name, at its own place, sharing the description', () => {
    const source = read(
      new TextEncoder().encode(
        '## Reserved Ranges\n\n- **API**: 16000-16099, 17000-17099\n- **Web**: `18000-18099` and `19000-19099` (frontends)\n- Bots: 20000-20099; 21000 (chat)\n- **Admin**: 9000, used by the admin panel\n- Pair: 9100, 9200\n',
      ),
      'PORTS.md',
    );
    expect(ranges(extract(source))).toEqual([
      ['API', { from: 16000, to: 16099 }, { line: 3, column: 12 }, undefined],
      ['API', { from: 17000, to: 17099 }, { line: 3, column: 25 }, undefined],
      ['Web', { from: 18000, to: 18099 }, { line: 4, column: 12 }, 'frontends'],
      ['Web', { from: 19000, to: 19099 }, { line: 4, column: 30 }, 'frontends'],
      ['Bots', { from: 20000, to: 20099 }, { line: 5, column: 9 }, 'chat'],
      ['Bots', { from: 21000, to: 21000 }, { line: 5, column: 22 }, 'chat'],
      ['Admin', { from: 9000, to: 9000 }, { line: 6, column: 14 }, ', used by the admin panel'],
      ['Pair', { from: 9100, to: 9100 }, { line: 7, column: 9 }, undefined],
      ['Pair', { from: 9200, to: 9200 }, { line: 7, column: 15 }, undefined],
    ]);
    expect(source.file.messages).toEqual([]);
  });

  it('reads a second range inside the same code span at its own digit', () => {
    const registry = registryOf('## Reserved Ranges\n\n- **API**: `16000-16099, 17000-17099`\n');
    expect(ranges(registry)).toEqual([
      ['API', { from: 16000, to: 16099 }, { line: 3, column: 12 }, undefined],
      ['API', { from: 17000, to: 17099 }, { line: 3, column: 26 }, undefined],
    ]);
  });

  it('reports an item it cannot split for sure, and a broken second range as a range', () => {
    const source = read(
      new TextEncoder().encode(
        '## Reserved Ranges\n\n- **API**: 16000-16099 17000-17099\n- **Web**: 18000-18099, 50 services\n- **Jobs**: 19000-19099, 20000-\n- **Ops**: 22000-22099 (50 ports)\n',
      ),
      'PORTS.md',
    );
    expect(ranges(extract(source))).toEqual([
      ['API', { from: 16000, to: 16099 }, { line: 3, column: 12 }, '17000-17099'],
      ['Web', { from: 18000, to: 18099 }, { line: 4, column: 12 }, ', 50 services'],
      ['Jobs', { from: 19000, to: 19099 }, { line: 5, column: 13 }, undefined],
      ['Jobs', '20000-', { line: 5, column: 26 }, undefined],
      ['Ops', { from: 22000, to: 22099 }, { line: 6, column: 12 }, '50 ports'],
    ]);
    expect(source.file.messages.map((message) => `${message.line}:${message.column} ${message.fatal ? 'error' : 'warning'} ${message.ruleId}`)).toEqual([
      '3:24 warning range-ambiguous',
      '4:25 warning range-ambiguous',
    ]);
    const [missing, prose] = source.file.messages;
    expect(missing!.reason).toContain('`17000-17099`');
    expect(missing!.reason).toContain('separate ranges with a comma');
    expect(prose!.reason).toContain('`50 services`');
    expect(prose!.reason).toContain('in parentheses');
  });
});

describe('details, configuration files and security notes', () => {
  it('reads the Creator Suite seed’s details sections, unit paths and internal ports', () => {
    const registry = registryOf(readFileSync(new URL('./fixtures/seeds/creator-suite.md', import.meta.url)));
    const [frontend, api] = registry.services;
    expect([frontend!.details?.bind?.value, frontend!.details?.workers?.value, frontend!.details?.healthCheck?.value, frontend!.unitFile?.value]).toEqual([
      '*',
      1,
      '/health',
      '/etc/systemd/system/creator-suite-frontend.service',
    ]);
    expect([api!.details?.bind?.value, api!.details?.workers?.value, api!.details?.healthCheck?.value, api!.unitFile?.value]).toEqual([
      '0.0.0.0',
      4,
      '/health',
      '/etc/systemd/system/creator-suite-api.service',
    ]);
    expect(api!.details?.items.map((item) => item.key)).toEqual(['Process', 'Framework', 'Workers', 'Bind', 'Health Check']);
    expect(registry.detailSections?.map((section) => [section.heading.text, section.heading.position, section.port])).toEqual([
      ['Frontend Port: 16532', { line: 21, column: 6 }, 16532],
      ['API Port: 17354', { line: 28, column: 6 }, 17354],
    ]);
    expect(registry.configFiles?.map((file) => [file.label.value, file.kind])).toEqual([
      ['Nginx Config', 'nginx'],
      ['API Service', 'systemd'],
      ['Frontend Service', 'systemd'],
    ]);
    expect(registry.internalPorts?.map((port) => port.value)).toEqual([5837, 6194]);
  });

  it('reads health checks and binds as written in prose, merges sections, ignores environment words', () => {
    const registry = registryOf(
      '| Service | Port |\n|---|---|\n| API | 16000 |\n| Web | 16001 |\n| Db | 16002 |\n\n### API\n\n- Health Check: N/A\n- Bind: 127.0.0.1:16000 (loopback)\n\n#### Production API Port: 16000\n\n- Workers: 2\n\n### Web\n\n- Health Check: at http://localhost:16001/healthz today\n- Bind: `::1`\n\n### Db\n\n- Health Check: TCP/UDP only\n',
    );
    const [api, web, db] = registry.services;
    expect([api!.details?.healthCheck, api!.details?.bind?.value, api!.details?.workers?.value]).toEqual([undefined, '127.0.0.1', 2]);
    expect([web!.details?.healthCheck?.value, web!.details?.bind?.value]).toEqual(['/healthz', '::1']);
    expect(db!.details?.healthCheck).toBeUndefined();
  });

  it('matches a details heading by service name, and reads bind forms', () => {
    const registry = registryOf('| Service | Port |\n|---|---|\n| Web App | 16000 |\n\n### Web App\n\n- Bind: [::1]:16000\n- Workers: two\n');
    expect(registry.services[0]!.details?.bind?.value).toBe('::1');
    expect(registry.services[0]!.details?.workers).toBeUndefined();
  });
});

describe('cell parsers', () => {
  it('parsePort', () => {
    expect(parsePort('8000')).toEqual({ kind: 'number', port: 8000 });
    expect(parsePort(' :8000 ')).toEqual({ kind: 'number', port: 8000 });
    expect(parsePort('8000/tcp')).toEqual({ kind: 'number', port: 8000 });
    expect(parsePort('70000')).toEqual({ kind: 'number', port: 70000 });
    for (const text of ['xxxx', 'XXXX', 'TBD', '?', '', '-', '<port>', '{PORT}', 'n/a']) expect(parsePort(text)).toEqual({ kind: 'placeholder' });
    for (const text of ['80a', '8000-8010', '1.5', '-1', '8000, 8001']) expect(parsePort(text)).toEqual({ kind: 'invalid' });
  });

  it('parseSsl', () => {
    for (const text of ['✅', '✅️', 'yes', 'Yes (Let’s Encrypt)', 'true', '🔒']) expect(parseSsl(text)).toBe(true);
    for (const text of ['❌', 'no', 'No', 'false', '-']) expect(parseSsl(text)).toBe(false);
    expect(parseSsl('maybe')).toBeUndefined();
  });

  it('parseDomain', () => {
    expect(parseDomain('https://Video.Example.com/')).toEqual({ host: 'video.example.com', scheme: 'https' });
    expect(parseDomain('api.example.com')).toEqual({ host: 'api.example.com' });
  });

  it('parseProxyTarget', () => {
    expect(parseProxyTarget('127.0.0.1:16532')).toEqual({ host: '127.0.0.1', port: 16532 });
    expect(parseProxyTarget('http://localhost:3000/')).toEqual({ host: 'localhost', port: 3000 });
    expect(parseProxyTarget('[::1]:8080')).toEqual({ host: '[::1]', port: 8080 });
    expect(parseProxyTarget('8080')).toEqual({ host: '127.0.0.1', port: 8080 });
    for (const text of ['127.0.0.1', 'a b:80', 'host:80; rewrite', '', 'x:y']) expect(parseProxyTarget(text)).toBeUndefined();
  });

  it('columnKind', () => {
    expect(columnKind('**Proxy Target**')).toBe('target');
    expect(columnKind('Port(s)')).toBe('port');
    expect(columnKind('Env')).toBe('variable');
    expect(columnKind('Environment')).toBe('environment');
    expect(columnKind('Owner')).toBeUndefined();
    expect(columnKind('Port (TCP)')).toBe('port');
    expect(columnKind('HTTP Port')).toBe('port');
    expect(columnKind('Domain')).toBe('domain');
  });
});
