/**
 * The validate stage, rule by rule: for every id in the `rules` table, a
 * small registry where it fires (id, severity, line and column of the
 * offending cell, a message that names the value and says what to do) and
 * one where it stays quiet. Then the scenarios of the issue, the seed
 * fixtures, and positions after a BOM, CRLF and repaired mojibake.
 *
 * Column convention: the first character of the cell's content as it is on
 * disk, markup included (the `*` of `**bold**`, the backtick of `` `code` ``).
 * For an empty cell, which has no content: the first column inside the cell,
 * just after its opening pipe.
 *
 * Markdown samples are flush-left template strings; `md` only drops the
 * newline after the opening backtick, so the first line of the sample is line 1.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sortedMessages } from '../src/diagnostics/report.js';
import { ruleCatalogue } from '../src/diagnostics/rules.js';
import { extract } from '../src/extract/index.js';
import { read } from '../src/read/index.js';
import { rules, type ValidateOptions, validate } from '../src/validate/index.js';

interface Diagnostic {
  rule: string | undefined;
  severity: 'error' | 'warning';
  line: number | undefined;
  column: number | undefined;
  reason: string;
}

function check(input: string | Uint8Array, options: ValidateOptions = {}) {
  const bytes = typeof input === 'string' ? new TextEncoder().encode(input) : input;
  const source = read(bytes, 'docs/PORTS.md');
  validate(extract(source), source.file, options);
  return source;
}

/**
 * Most samples below are `| Service | Port |` tables of made-up names, which
 * protocol-assumed answers with one warning at the table (read as HTTP). That
 * warning has its own tests (its describe block below, and tables.test.ts):
 * diagnose leaves it out unless asked with `assumedHttp`.
 */
const assumedHttp = /^No Protocol (column|cell): /;

function diagnose(input: string | Uint8Array, options: ValidateOptions & { assumedHttp?: boolean } = {}): Diagnostic[] {
  const { assumedHttp: keep, ...validateOptions } = options;
  const messages = check(input, validateOptions).file.messages.filter((m) => keep || m.ruleId !== 'protocol-assumed' || !assumedHttp.test(m.reason));
  return messages.map((m) => ({
    rule: m.ruleId,
    severity: m.fatal ? 'error' : 'warning',
    line: m.line,
    column: m.column,
    reason: m.reason,
  }));
}

/** Position and identity only, for comparing whole diagnostic lists. */
const brief = (diagnostics: Diagnostic[]) => diagnostics.map(({ rule, severity, line, column }) => `${line}:${column} ${severity} ${rule}`);

const ofRule = (diagnostics: Diagnostic[], rule: string) => diagnostics.filter((d) => d.rule === rule);

/** Template tag: drops the leading newline so the sample's first line is line 1. */
const md = (strings: TemplateStringsArray, ...values: unknown[]): string =>
  strings.reduce((text, part, index) => text + String(values[index - 1]) + part).replace(/^\n/, '');

const utf8 = (text: string): number[] => Array.from(new TextEncoder().encode(text));

/**
 * Rule id → the first message a "fires" test below saw for it, for the
 * completeness and wording checks at the end of the file.
 */
const fired = new Map<string, string>();
function record(diagnostics: Diagnostic[], rule: string): void {
  const hit = diagnostics.find((d) => d.rule === rule);
  expect(hit, rule).toBeDefined();
  if (!fired.has(rule)) fired.set(rule, hit!.reason);
}

/**
 * Assert that `rule` fires exactly once at `line:column` with `severity`,
 * naming `value` (in backticks unless `bare`) and containing `says`; returns the reason.
 */
function expectFires(
  diagnostics: Diagnostic[],
  expected: { rule: string; severity: 'error' | 'warning'; line: number; column: number; value?: string; bare?: boolean; says: string },
): string {
  const hits = ofRule(diagnostics, expected.rule);
  expect(hits.map(({ rule, severity, line, column }) => ({ rule, severity, line, column }))).toEqual([
    { rule: expected.rule, severity: expected.severity, line: expected.line, column: expected.column },
  ]);
  const reason = hits[0]!.reason;
  if (expected.value !== undefined) expect(reason).toContain(expected.bare ? expected.value : `\`${expected.value}\``);
  expect(reason).toContain(expected.says);
  record(diagnostics, expected.rule);
  return reason;
}

/** A message says what to do: an `expected …` or an instruction after `:` or `;`. */
const actionable = /\bexpected\b|[:;] (?:add|choose|give|rename|move|remove|name|make|fix|set|prefer|repair|change|point|use|declare)\b/i;

describe('registry-empty', () => {
  it('fires at 1:1 when no table has a Service and a Port column', () => {
    const d = diagnose(md`
# Ports

| Name | Notes |
|---|---|
| API | nothing here |
`);
    expectFires(d, { rule: 'registry-empty', severity: 'error', line: 1, column: 1, says: 'expected a table with a `Service` and a `Port` column' });
    expect(brief(d)).toEqual(['1:1 error registry-empty']);
  });

  it('is quiet when there is a service table', () => {
    expect(
      diagnose(md`
| Service | Port |
|---|---|
| API | 16000 |
`),
    ).toEqual([]);
  });
});

describe('name-missing', () => {
  it('fires at a name with no letters or digits', () => {
    const d = diagnose(md`
| Service | Port |
|---|---|
| **!!!** | 16000 |
`);
    const reason = expectFires(d, { rule: 'name-missing', severity: 'error', line: 3, column: 3, value: '!!!', says: 'rename it or add an `Env` column' });
    expect(reason).toMatch(actionable);
    expect(brief(d)).toEqual(['3:3 error name-missing']);
  });

  it('fires at an empty name cell, inside the cell rather than at its pipe', () => {
    // BUG: reported at 3:1, the row's leading pipe; an empty cell's position is its opening pipe.
    const d = diagnose(md`
| Service | Port |
|---|---|
|  | 16001 |
`);
    expectFires(d, { rule: 'name-missing', severity: 'error', line: 3, column: 2, says: 'name the service' });
  });

  it('is quiet for a symbol-only name that has an explicit Env cell', () => {
    expect(
      diagnose(md`
| Service | Port | Env |
|---|---|---|
| !!! | 16000 | BANG_PORT |
`),
    ).toEqual([]);
  });
});

describe('port-placeholder', () => {
  it('fires at the placeholder, markup included', () => {
    const d = diagnose(md`
| Service | Port |
|---|---|
| API Server | xxxx |
| Web | **TBD** |
| Docs | [xxxx](#ports) |
`);
    const hits = ofRule(d, 'port-placeholder');
    expect(brief(hits)).toEqual(['3:16 error port-placeholder', '4:9 error port-placeholder', '5:10 error port-placeholder']);
    expect(hits[0]!.reason).toContain('`API Server`');
    expect(hits[0]!.reason).toContain('the placeholder `xxxx`');
    expect(hits[0]!.reason).toContain('choose a free port and write it here');
    expect(hits[1]!.reason).toContain('the placeholder `TBD`');
    expect(brief(d)).toHaveLength(3);
    record(d, 'port-placeholder');
  });

  it('fires once at a row placed in several environments (one cell, one finding)', () => {
    const d = diagnose(md`
| Service | Port | Environment |
|---|---|---|
| Search | xxxx | staging, production |
| Cache | TBD | all |
`);
    expect(brief(ofRule(d, 'port-placeholder'))).toEqual(['3:12 error port-placeholder', '4:11 error port-placeholder']);
  });

  it('fires in an external-access Port cell', () => {
    const d = diagnose(md`
| Service | Port |
|---|---|
| API | 16000 |

| Domain | Port | Proxy Target |
|---|---|---|
| api.example.com | TBD | 127.0.0.1:16000 |
`);
    expectFires(d, { rule: 'port-placeholder', severity: 'error', line: 7, column: 21, value: 'TBD', says: 'leave the cell empty for 443 with SSL' });
  });

  it('fires at an empty port cell, inside the cell rather than at its pipe', () => {
    // BUG: reported at 3:5, the pipe between `A` and the empty cell.
    const d = diagnose(md`
| Service | Port |
|---|---|
| A |  |
`);
    const reason = expectFires(d, { rule: 'port-placeholder', severity: 'error', line: 3, column: 6, says: 'choose a free port' });
    expect(reason).toContain('is empty');
  });

  it('is quiet for written ports: `17354`, :17354, 17354/tcp', () => {
    const d = diagnose(md`
| Service | Port |
|---|---|
| A | \`17354\` |
| B | :17355 |
| C | 17356/tcp |
`);
    expect(d).toEqual([]);
  });
});

describe('port-not-integer', () => {
  it('fires at a port that is not a whole number', () => {
    const d = diagnose(md`
| Service | Port |
|---|---|
| Worker | **80a** |
`);
    const reason = expectFires(d, {
      rule: 'port-not-integer',
      severity: 'error',
      line: 3,
      column: 12,
      value: '80a',
      says: 'expected one whole number from 1 to 65535',
    });
    expect(reason).toContain('`Worker`');
  });

  it('suggests one row per port for a range', () => {
    const d = diagnose(md`
| Service | Port |
|---|---|
| Pool | 8000-8010 |
`);
    expect(ofRule(d, 'port-not-integer')).toEqual([expect.objectContaining({ line: 3, column: 10, reason: expect.stringContaining('`8000-8010`') })]);
    expect(d[0]!.reason).toContain('give each port its own row');
  });

  it('fires at the row when the row has no port cell', () => {
    const d = diagnose(md`
| Service | Port |
|---|---|
| Lonely |
`);
    // No cell to point at: the row's start.
    expectFires(d, { rule: 'port-not-integer', severity: 'error', line: 3, column: 1, value: 'Lonely', says: 'add the missing cells' });
  });

  it('fires in an external-access Port cell', () => {
    const d = diagnose(md`
| Service | Port |
|---|---|
| API | 16000 |

| Domain | Port | Proxy Target |
|---|---|---|
| api.example.com | 443s | 127.0.0.1:16000 |
`);
    expectFires(d, { rule: 'port-not-integer', severity: 'error', line: 7, column: 21, value: '443s', says: 'expected one whole number' });
  });

  it('is quiet for whole numbers', () => {
    expect(
      ofRule(
        diagnose(md`
| Service | Port |
|---|---|
| A | 16000 |
| B | 1 |
`),
        'port-not-integer',
      ),
    ).toEqual([]);
  });
});

describe('port-out-of-range', () => {
  it('fires at a port over 65535 and at port 0', () => {
    const d = diagnose(md`
| Service | Port |
|---|---|
| Search | \`70000\` |
| Zero | 0 |
`);
    expect(brief(d)).toEqual(['3:12 error port-out-of-range', '4:10 error port-out-of-range']);
    expect(d[0]!.reason).toContain('70000');
    expect(d[0]!.reason).toContain('`Search`');
    expect(d[0]!.reason).toContain('choose a port in that range');
    record(d, 'port-out-of-range');
  });

  it('fires in an external-access Port cell', () => {
    const d = diagnose(md`
| Service | Port |
|---|---|
| API | 16000 |

| Domain | Port | Proxy Target |
|---|---|---|
| api.example.com | 70000 | 127.0.0.1:16000 |
`);
    expectFires(d, { rule: 'port-out-of-range', severity: 'error', line: 7, column: 21, value: '70000', bare: true, says: 'expected 1 to 65535' });
  });

  it('is quiet at the edges 1 and 65535', () => {
    expect(
      ofRule(
        diagnose(md`
| Service | Port |
|---|---|
| Low | 1 |
| High | 65535 |
`),
        'port-out-of-range',
      ),
    ).toEqual([]);
  });
});

describe('port-duplicate', () => {
  it('fires at the second row and names the first row and its line', () => {
    const d = diagnose(md`
| Service | Port |
|---|---|
| API Server | 16000 |
| Web Frontend | \`16000\` |
`);
    const reason = expectFires(d, {
      rule: 'port-duplicate',
      severity: 'error',
      line: 4,
      column: 18,
      value: 'Web Frontend',
      says: 'give one of them another port',
    });
    expect(reason).toContain('16000');
    expect(reason).toContain('`API Server` (line 3)');
    expect(brief(d)).toEqual(['4:18 error port-duplicate']);
  });

  it('is quiet for the same port under ## Development and ## Production', () => {
    const d = diagnose(md`
# Ports

## Development

| Service | Port |
|---|---|
| API Server | 16000 |

## Production

| Service | Port |
|---|---|
| API Server | 16000 |
`);
    expect(d).toEqual([]);
  });

  it('is quiet for the same port in rows of different environments in an Environment column', () => {
    const d = diagnose(md`
| Service | Port | Environment |
|---|---|---|
| API Server | 16000 | dev |
| API Server | 16000 | prod |
`);
    expect(d).toEqual([]);
  });
});

describe('variable-invalid', () => {
  it('fires at an Env cell that is not an upper-case identifier', () => {
    const d = diagnose(md`
| Service | Port | Env |
|---|---|---|
| API | 16000 | \`api-port\` |
| Web | 16001 | 9WEB |
`);
    const hits = ofRule(d, 'variable-invalid');
    expect(brief(hits)).toEqual(['3:17 error variable-invalid', '4:17 error variable-invalid']);
    expect(hits[0]!.reason).toContain('`api-port`');
    expect(hits[0]!.reason).toContain('`API`');
    expect(hits[0]!.reason).toContain('expected upper-case letters, digits and `_`');
    expect(hits[1]!.reason).toContain('`9WEB`');
    expect(d).toHaveLength(2);
    record(d, 'variable-invalid');
  });

  it('is quiet for valid names', () => {
    expect(
      diagnose(md`
| Service | Port | Env |
|---|---|---|
| API | 16000 | API_PORT |
| Web | 16001 | _WEB2_PORT |
| Main | 16002 | PORT |
`),
    ).toEqual([]);
  });

  it('allows other names only by shape: a port variable ends in _PORT, anything else needs variables.allow', () => {
    const registry = md`
| Service | Port | Env |
|---|---|---|
| Web | 16001 | WEB_LISTEN |
`;
    const d = diagnose(registry);
    expect(brief(d)).toEqual(['3:17 error variable-invalid']);
    expect(d[0]!.reason).toContain('`WEB_LISTEN_PORT`');
    expect(d[0]!.reason).toContain('`variables.allow`');
    expect(diagnose(registry, { variables: ['WEB_LISTEN'] })).toEqual([]);
  });

  it('refuses the variables that change how programs run, even when the config allows them', () => {
    const dangerous = [
      'OPENSSL_CONF',
      'GCONV_PATH',
      'HTTP_PROXY',
      'HTTPS_PROXY',
      'ALL_PROXY',
      'NO_PROXY',
      'NODE_EXTRA_CA_CERTS',
      'NODE_OPTIONS',
      'PYTHONPATH',
      'PYTHONSTARTUP',
      'LD_PRELOAD',
      'LD_LIBRARY_PATH',
      'LD_AUDIT',
      'DYLD_INSERT_LIBRARIES',
      'SSL_CERT_FILE',
      'REQUESTS_CA_BUNDLE',
      'CURL_CA_BUNDLE',
      'PERL5OPT',
      'RUBYOPT',
      'JAVA_TOOL_OPTIONS',
      '_JAVA_OPTIONS',
      'GIT_SSH_COMMAND',
      'BASH_ENV',
      'IFS',
      'PATH',
      'LC_ALL',
      'MALLOC_CHECK_',
      'GLIBC_TUNABLES',
      // bash reads these at start-up (SHELLOPTS=xtrace with PS4 runs a command), glibc the rest of its unsecure list
      'SHELLOPTS',
      'BASHOPTS',
      'TZDIR',
      'LOCPATH',
      'GETCONF_DIR',
      'NIS_PATH',
      'RESOLV_HOST_CONF',
      // commands run to page or edit: systemctl runs SYSTEMD_PAGER, less runs LESSOPEN
      'SYSTEMD_PAGER',
      'SYSTEMD_EDITOR',
      'MANPAGER',
      'LESSOPEN',
    ];
    const rows = dangerous.map((name, index) => `| S${index} | ${16000 + index} | ${name} |`).join('\n');
    const d = diagnose(`| Service | Port | Env |\n|---|---|---|\n${rows}\n`, { variables: dangerous });
    expect(d.filter((each) => each.rule === 'variable-invalid').map((each) => each.line)).toEqual(dangerous.map((_, index) => index + 3));
    expect(d.every((each) => each.reason.includes('even the config cannot allow it'))).toBe(true);
  });
});

describe('variable-duplicate', () => {
  const collision = md`
## Development

| Service | Port | Protocol |
|---|---|---|
| API Server | 16000 | HTTP |
| API-Server | 16001 | HTTP |
`;

  it('fires for `API Server` and `API-Server` in one environment, at the second name', () => {
    const d = diagnose(collision);
    const reason = expectFires(d, { rule: 'variable-duplicate', severity: 'error', line: 6, column: 3, value: 'API_SERVER_PORT', says: 'rename one of them' });
    expect(reason).toContain('`API-Server`');
    expect(reason).toContain('`API Server` (line 5)');
    expect(reason).toContain('the development environment');
  });

  it('reports one name collision once, not also as two identifier-duplicate errors', () => {
    // BUG: the same cell also gets identifier-duplicate twice (nginx upstream
    // `development_api_server`, systemd unit `api-server`): three errors for one
    // collision. identifier-duplicate already skips identical names because
    // "variable-duplicate says it"; names that reduce to the same words are the same case.
    expect(brief(diagnose(collision))).toEqual(['6:3 error variable-duplicate']);
  });

  it('fires at the Env cell when two explicit Env cells are the same', () => {
    const d = diagnose(md`
| Service | Port | Env |
|---|---|---|
| API | 16000 | SHARED_PORT |
| Web | 16001 | **SHARED_PORT** |
`);
    expectFires(d, { rule: 'variable-duplicate', severity: 'error', line: 4, column: 17, value: 'SHARED_PORT', says: 'change one of the `Env` cells' });
  });

  it('is resolved by an explicit Env column', () => {
    const d = diagnose(md`
## Development

| Service | Port | Protocol | Env |
|---|---|---|---|
| API Server | 16000 | HTTP | |
| API-Server | 16001 | HTTP | API_SERVER_2_PORT |
`);
    expect(ofRule(d, 'variable-duplicate')).toEqual([]);
    // The derived nginx upstream and systemd unit names still collide (see identifier-duplicate).
    expect(brief(d)).toEqual(['6:3 error identifier-duplicate', '6:3 error identifier-duplicate']);
  });

  it('is quiet for the same name in two environments', () => {
    expect(
      diagnose(md`
## Development

| Service | Port |
|---|---|
| API Server | 16000 |

## Production

| Service | Port |
|---|---|
| API-Server | 17000 |
`),
    ).toEqual([]);
  });
});

describe('identifier-duplicate', () => {
  it('fires for names whose nginx upstream and systemd unit collide although their Env cells differ', () => {
    const d = diagnose(md`
| Service | Port | Protocol | Env |
|---|---|---|---|
| API Server | 16000 | HTTP | API_PORT |
| api-server | 16001 | HTTP | API2_PORT |
`);
    const hits = ofRule(d, 'identifier-duplicate');
    expect(brief(hits)).toEqual(['4:3 error identifier-duplicate', '4:3 error identifier-duplicate']);
    expect(hits[0]!.reason).toContain('nginx upstream name `api_server`');
    expect(hits[1]!.reason).toContain('systemd unit name `api-server`');
    for (const hit of hits) {
      expect(hit.reason).toContain('`api-server`');
      expect(hit.reason).toContain('`API Server` (line 3)');
      expect(hit.reason).toContain('rename one of them');
    }
    expect(d).toHaveLength(2);
    record(d, 'identifier-duplicate');
  });

  it('fires for two services configured with the same unit name', () => {
    const d = diagnose(
      md`
| Service | Port | Protocol |
|---|---|---|
| Cache | 16000 | Redis |
| Queue | 16001 | Redis |
`,
      { units: { Cache: 'backend', Queue: 'backend' } },
    );
    const reason = expectFires(d, { rule: 'identifier-duplicate', severity: 'error', line: 4, column: 3, value: 'backend', says: 'rename one of them' });
    expect(reason).toContain('`Queue`');
    expect(reason).toContain('`Cache` (line 3)');
  });

  it('is quiet when a configured unit name and a non-HTTP protocol separate them', () => {
    expect(
      diagnose(
        md`
| Service | Port | Protocol | Env |
|---|---|---|---|
| API Server | 16000 | TCP | API_PORT |
| api-server | 16001 | TCP | API2_PORT |
`,
        { units: { 'api-server': 'api-server-2' } },
      ),
    ).toEqual([]);
  });
});

describe('protocol-unknown', () => {
  it('is a warning at the protocol cell, markup included', () => {
    const d = diagnose(md`
| Service | Port | Protocol |
|---|---|---|
| Gopher Hole | 16000 | **Gopher** |
`);
    const reason = expectFires(d, {
      rule: 'protocol-unknown',
      severity: 'warning',
      line: 3,
      column: 25,
      value: 'Gopher',
      says: 'expected e.g. HTTP, WS, TCP, PostgreSQL',
    });
    expect(reason).toContain('`Gopher Hole`');
    expect(brief(d)).toEqual(['3:25 warning protocol-unknown']);
  });

  it('knows HTTP, HTTP/HTTPS, WS, PostgreSQL and Redis', () => {
    expect(
      diagnose(md`
| Service | Port | Protocol |
|---|---|---|
| API | 16000 | HTTP |
| Web | 16001 | HTTP/HTTPS |
| Socket | 16002 | WS |
| Database | 16003 | PostgreSQL |
| Cache | 16004 | Redis |
`),
    ).toEqual([]);
  });
});

describe('protocol-assumed', () => {
  it('warns at the cell that gave a row without a Protocol cell away: its name, or its default port', () => {
    const d = diagnose(md`
| Service | Port |
|---|---|
| API | 16000 |
| **Redis** | 16001 |
| Primary Store | 5432 |
`);
    const reason = expectFires(ofRule(d, 'protocol-assumed').slice(0, 1), {
      rule: 'protocol-assumed',
      severity: 'warning',
      line: 4,
      column: 3,
      value: 'Redis',
      says: 'read as Redis from its name, so nginx gets no upstream for it',
    });
    expect(reason).toContain('add a `Protocol` column to say so');
    expect(brief(d)).toEqual(['4:3 warning protocol-assumed', '5:19 warning protocol-assumed']);
    expect(d[1]!.reason).toContain('`Primary Store`: read as PostgreSQL from its port 5432');
  });

  it('says what to write in an empty Protocol cell', () => {
    const d = diagnose(md`
| Service | Port | Protocol |
|---|---|---|
| Jupyter | 16000 | |
`);
    expect(brief(d)).toEqual(['3:3 warning protocol-assumed']);
    expect(d[0]!.reason).toBe(
      'No Protocol cell for `Jupyter`: read as Jupyter from its name, so nginx proxies it with WebSocket upgrades; write `HTTP/WS` in its Protocol cell to say so, or what it speaks instead',
    );
  });

  it('warns once at a table where names that say nothing are read as HTTP', () => {
    const d = diagnose(
      md`
# Ports

| Service | Port |
|---|---|
| Gateway | 16000 |
| Relay | 16001 |
`,
      { assumedHttp: true },
    );
    expect(brief(d)).toEqual(['3:1 warning protocol-assumed']);
    expect(d[0]!.reason).toContain('`Gateway` (line 5) and `Relay` (line 6) are read as HTTP');
  });

  it('is quiet for Protocol cells, and for APIs and web front ends', () => {
    expect(
      diagnose(
        md`
| Service | Port | Protocol |
|---|---|---|
| Gateway | 16000 | HTTP |
| Store | 5432 | TCP |

| Service | Port |
|---|---|
| Billing API | 16001 |
| Web | 16002 |
`,
        { assumedHttp: true },
      ),
    ).toEqual([]);
  });
});

describe('url-unsupported', () => {
  it('warns at a URL cell with a path, which no server block can serve', () => {
    const d = diagnose(md`
| Service | Port | URL |
|---|---|---|
| API | 16000 | **https://example.com/api** |
`);
    expectFires(d, {
      rule: 'url-unsupported',
      severity: 'warning',
      line: 3,
      column: 17,
      value: '/api',
      says: 'paths are not supported, so no server block is written',
    });
    expect(brief(d)).toEqual(['3:17 warning url-unsupported']);
  });

  it('is quiet for public and local URLs, with or without a port or a trailing slash', () => {
    expect(
      diagnose(md`
| Service | Port | URL |
|---|---|---|
| API | 16000 | https://api.example.com/ |
| Web | 16001 | http://localhost:16001/ |
| Admin | 16002 | https://admin.example.com:8443 |
`),
    ).toEqual([]);
  });
});

describe('url-port-mismatch', () => {
  it('fires at a local URL whose port is not the Port cell', () => {
    const d = diagnose(md`
| Service | Port | URL |
|---|---|---|
| API | 16000 | \`http://127.0.0.1:16001\` |
`);
    expectFires(d, { rule: 'url-port-mismatch', severity: 'error', line: 3, column: 17, value: 'http://127.0.0.1:16001', says: 'its Port cell says 16000' });
  });

  it('is quiet when they agree, and for a local URL without a port', () => {
    expect(
      diagnose(md`
| Service | Port | URL |
|---|---|---|
| API | 16000 | http://127.0.0.1:16000 |
| Web | 16001 | http://localhost |
`),
    ).toEqual([]);
  });
});

describe('port-privileged', () => {
  it('warns for a service on port 80', () => {
    const d = diagnose(md`
| Service | Port | Protocol |
|---|---|---|
| Web | 80 | HTTP |
`);
    const reason = expectFires(d, {
      rule: 'port-privileged',
      severity: 'warning',
      line: 3,
      column: 9,
      value: 'Web',
      says: 'prefer a port from 1024 up behind nginx',
    });
    expect(reason).toContain('Port 80');
    expect(brief(d)).toEqual(['3:9 warning port-privileged']);
  });

  it('does not warn for external access on 80 and 443, does warn for external access on 22', () => {
    const d = diagnose(md`
| Service | Port | Protocol |
|---|---|---|
| Web | 16000 | HTTP |

## External Access

| Domain | Port | SSL | Proxy Target |
|---|---|---|---|
| web.example.com | 80 | no | 127.0.0.1:16000 |
| web.example.com | 443 | yes | 127.0.0.1:16000 |
| odd.example.com | 22 | no | 127.0.0.1:16000 |
`);
    expect(brief(d)).toEqual(['11:21 warning port-privileged']);
    expect(d[0]!.reason).toContain('External port 22');
    expect(d[0]!.reason).toContain('`odd.example.com`');
  });

  it('the external-port message says what to do', () => {
    // BUG (message): ends in "is it meant?", a question, not what to do
    // (e.g. "use 80 or 443, or a port from 1024 up").
    const d = diagnose(md`
| Service | Port |
|---|---|
| Web | 16000 |

| Domain | Port | Proxy Target |
|---|---|---|
| odd.example.com | 22 | 127.0.0.1:16000 |
`);
    expect(ofRule(d, 'port-privileged')).toHaveLength(1);
    expect(ofRule(d, 'port-privileged')[0]!.reason).toMatch(actionable);
  });

  it('is quiet from 1024 up', () => {
    expect(
      diagnose(md`
| Service | Port |
|---|---|
| Web | 1024 |
`),
    ).toEqual([]);
  });
});

describe('port-outside-reserved-range', () => {
  const ranges = md`
# Ports

## Reserved Port Ranges

- **Primary Range**: \`16000-16999\` (services)

## Services

| Service | Port |
|---|---|
| API | 16500 |
| Stray | 17000 |
`;

  it('warns for a port outside the declared ranges', () => {
    const d = diagnose(ranges);
    const reason = expectFires(d, {
      rule: 'port-outside-reserved-range',
      severity: 'warning',
      line: 12,
      column: 11,
      value: 'Stray',
      says: 'move it into a range or declare a range for it',
    });
    expect(reason).toContain('Port 17000');
    expect(reason).toContain('16000-16999');
    expect(brief(d)).toEqual(['12:11 warning port-outside-reserved-range']);
  });

  it('is quiet when no ranges are declared', () => {
    expect(diagnose(ranges.replace(/## Reserved Port Ranges\n\n.*\n/, ''))).toEqual([]);
  });

  it('is quiet for a port inside a range, edges included', () => {
    expect(diagnose(ranges.replace('| Stray | 17000 |', '| Edge | 16999 |\n| Start | 16000 |'))).toEqual([]);
  });
});

describe('port-ephemeral', () => {
  const ephemeral = md`
| Service | Port |
|---|---|
| API | 16000 |
| Relay | 40000 |

| Domain | Port | SSL | Proxy Target |
|---|---|---|---|
| relay.example.com | 44300 | yes | 127.0.0.1:40000 |
`;

  it("warns at a service port and at an external port inside Linux's ephemeral range", () => {
    const d = diagnose(ephemeral);
    const hits = ofRule(d, 'port-ephemeral');
    expect(brief(hits)).toEqual(['4:11 warning port-ephemeral', '8:23 warning port-ephemeral']);
    expect(hits[0]!.reason).toBe(
      "Port 40000 of `Relay` lies in the kernel's ephemeral range 32768-60999, from which outgoing connections take their local ports, so one may hold it when the service starts: choose a port below 32768 (`portbook next` picks a free one), or enable the `sysctl` target to reserve it",
    );
    expect(hits[1]!.reason).toContain('External port 44300 of `relay.example.com`');
    record(d, 'port-ephemeral');
    expect(brief(d)).toEqual(['4:11 warning port-ephemeral', '8:23 warning port-ephemeral']);
  });

  it('reads the range the config gives (sysctl.ephemeralRange), edges included', () => {
    const hits = ofRule(diagnose(ephemeral, { ephemeral: { range: { from: 16000, to: 16000 }, reserved: false } }), 'port-ephemeral');
    expect(brief(hits)).toEqual(['3:9 warning port-ephemeral']);
    expect(hits[0]!.reason).toContain("Port 16000 of `API` lies in the kernel's ephemeral range 16000-16000");
  });

  it('is quiet when the sysctl target reserves those ports, and for ports below the range', () => {
    expect(diagnose(ephemeral, { ephemeral: { range: { from: 32768, to: 60999 }, reserved: true } })).toEqual([]);
    expect(diagnose(ephemeral.replace('| Relay | 40000 |', '| Relay | 32767 |').replace(/\| relay.*\n/, ''))).toEqual([]);
  });
});

describe('exposure-invalid', () => {
  it('fires at an Exposure cell that is neither public nor internal', () => {
    const d = diagnose(md`
| Service | Port | Exposure |
|---|---|---|
| Game | 27015 | sometimes |
`);
    const reason = expectFires(d, { rule: 'exposure-invalid', severity: 'error', line: 3, column: 18, value: 'sometimes', says: 'expected `public`' });
    expect(reason).toContain('`Game`');
    expect(brief(d)).toEqual(['3:18 error exposure-invalid']);
  });

  it('is quiet for public, ✅ Public (players), internal only, no, — and an empty cell, under any of its headers', () => {
    for (const header of ['Exposure', 'Exposed', 'Visibility', 'Public']) {
      expect(
        diagnose(md`
| Service | Port | ${header} |
|---|---|---|
| A | 16000 | public |
| B | 16001 | ✅ Public (players) |
| C | 16002 | internal only |
| D | 16003 | no |
| E | 16004 | — |
| F | 16005 | |
`),
        header,
      ).toEqual([]);
    }
  });
});

describe('range-invalid', () => {
  it('fires at the range value in backticks', () => {
    const d = diagnose(md`
## Reserved Port Ranges

- **Primary Range**: \`16000-16999\` (services)
- **Bot Range**: \`17010-17000\` (bots)

| Service | Port |
|---|---|
| API | 16001 |
`);
    const reason = expectFires(d, {
      rule: 'range-invalid',
      severity: 'error',
      line: 4,
      column: 18,
      value: '17010-17000',
      says: 'expected `from-to` with 1 ≤ from ≤ to ≤ 65535',
    });
    expect(reason).toContain('`Bot Range`');
    expect(brief(d)).toEqual(['4:18 error range-invalid']);
  });

  it('fires at the range value, not the name, when the item is plain text', () => {
    // BUG: reported at 3:3, the start of `Bad Range`; findValueNode returns the
    // whole text node `Bad Range: 17010-17000`, whose start is the name.
    const d = diagnose(md`
## Reserved Port Ranges

- Bad Range: 17010-17000

| Service | Port |
|---|---|
| API | 16001 |
`);
    expectFires(d, { rule: 'range-invalid', severity: 'error', line: 3, column: 14, value: '17010-17000', says: 'expected `from-to`' });
  });

  it('is quiet for well-formed ranges', () => {
    expect(
      diagnose(md`
## Reserved Port Ranges

- **Primary Range**: \`16000-16999\` (services)
- Bot Range: 18938 to 18948

| Service | Port |
|---|---|
| API | 16001 |
| Bot | 18940 |
`),
    ).toEqual([]);
  });
});

/** A service table to point external rows at, lines 1–4. */
const services = md`
| Service | Port | Protocol |
|---|---|---|
| Web | 16000 | HTTP |
| Cache | 16001 | Redis |
`;

describe('domain-invalid', () => {
  it('fires at a domain that is not a host name', () => {
    const d = diagnose(`${services}
| Domain | SSL | Proxy Target |
|---|---|---|
| \`bad_domain!.com\` | yes | 127.0.0.1:16000 |
`);
    const reason = expectFires(d, {
      rule: 'domain-invalid',
      severity: 'error',
      line: 8,
      column: 3,
      value: 'bad_domain!.com',
      says: 'expected a host name of letters, digits, hyphens and dots',
    });
    expect(reason).toMatch(actionable);
    expect(brief(d)).toEqual(['8:3 error domain-invalid']);
  });

  it('is quiet for host names, with or without a scheme', () => {
    expect(
      diagnose(`${services}
| Domain | SSL | Proxy Target |
|---|---|---|
| https://web.example.com/ | yes | 127.0.0.1:16000 |
| *.example.com | yes | 127.0.0.1:16000 |
`),
    ).toEqual([]);
  });
});

describe('domain-duplicate', () => {
  it('fires at the second row of the same domain and port, naming the first line', () => {
    const d = diagnose(`${services}
| Domain | Port | Proxy Target |
|---|---|---|
| web.example.com | 443 | 127.0.0.1:16000 |
| **web.example.com** | 443 | 127.0.0.1:16000 |
`);
    const reason = expectFires(d, {
      rule: 'domain-duplicate',
      severity: 'error',
      line: 9,
      column: 3,
      value: 'web.example.com',
      says: 'remove one of the rows',
    });
    expect(reason).toContain('line 8');
    expect(brief(d)).toEqual(['9:3 error domain-duplicate']);
  });

  it('is quiet for one domain on 80 and 443; in two environments it is domain-shared’s warning, not an error', () => {
    const d = diagnose(`${services}
| Domain | Port | Proxy Target |
|---|---|---|
| web.example.com | 80 | 127.0.0.1:16000 |
| web.example.com | 443 | 127.0.0.1:16000 |

## Production

| Domain | Port | Proxy Target |
|---|---|---|
| web.example.com | 443 | 127.0.0.1:16000 |
`);
    expect(brief(d)).toEqual(['15:3 warning domain-shared']);
    expectFires(d, { rule: 'domain-shared', severity: 'warning', line: 15, column: 3, value: 'web.example.com', says: 'nginx ignores one server block' });
    expect(d[0]!.reason).toContain('is also served in the default environment (line 9)');
  });

  it('domain-shared leaves a row that domain-duplicate reports to that error', () => {
    const d = diagnose(`${services}
| Domain | Port | Proxy Target | Environment |
|---|---|---|---|
| web.example.com | 443 | 127.0.0.1:16000 | dev, staging |
| web.example.com | 443 | 127.0.0.1:16000 | staging |
`);
    expect(brief(d)).toEqual(['9:3 error domain-duplicate']);
  });

  it('domain-shared counts the port-80 redirect an SSL row implies: one warning per row, naming each port', () => {
    const d = diagnose(`${services}
| Domain | SSL | Proxy Target |
|---|---|---|
| web.example.com | yes | 127.0.0.1:16000 |

## Production

| Domain | SSL | Proxy Target |
|---|---|---|
| web.example.com | yes | 127.0.0.1:16000 |
`);
    expect(brief(d)).toEqual(['14:3 warning domain-shared']);
    expect(d[0]!.reason).toContain(
      "Domain `web.example.com` on port 443 is also served in the default environment (line 8), and on port 80 (this SSL row's redirect from HTTP) is also served in the default environment (line 8, by that SSL row's redirect from HTTP): ",
    );
    expect(d[0]!.reason).toContain('nginx ignores one server block ("conflicting server name") on each port');
  });

  it('domain-shared: an SSL row in one environment and a plain port-80 row in another collide on port 80, whichever comes first', () => {
    const sslFirst = diagnose(`${services}
| Domain | SSL | Proxy Target |
|---|---|---|
| web.example.com | yes | 127.0.0.1:16000 |

## Production

| Domain | Port | SSL | Proxy Target |
|---|---|---|---|
| web.example.com | 80 | no | 127.0.0.1:16000 |
`);
    expect(brief(sslFirst)).toEqual(['14:3 warning domain-shared']);
    expect(sslFirst[0]!.reason).toContain(
      "Domain `web.example.com` on port 80 is also served in the default environment (line 8, by that SSL row's redirect from HTTP): ",
    );

    const plainFirst = diagnose(`${services}
| Domain | Port | SSL | Proxy Target |
|---|---|---|---|
| web.example.com | 80 | no | 127.0.0.1:16000 |

## Production

| Domain | Port | SSL | Proxy Target |
|---|---|---|---|
| web.example.com | 8443 | yes | 127.0.0.1:16000 |
`);
    expect(brief(plainFirst)).toEqual(['14:3 warning domain-shared']);
    expect(plainFirst[0]!.reason).toContain(
      "Domain `web.example.com` on port 80 (this SSL row's redirect from HTTP) is also served in the default environment (line 8): ",
    );
  });

  it('domain-shared: no redirect is implied where the environment serves the domain on port 80 itself, nor reported where domain-duplicate errors', () => {
    expect(
      diagnose(`${services}
| Domain | Port | SSL | Proxy Target |
|---|---|---|---|
| web.example.com | 443 | yes | 127.0.0.1:16000 |
| web.example.com | 80 | no | 127.0.0.1:16000 |

## Production

| Domain | Port | SSL | Proxy Target |
|---|---|---|---|
| api.example.com | 443 | yes | 127.0.0.1:16000 |
| api.example.com | 80 | no | 127.0.0.1:16000 |
`),
    ).toEqual([]);
    const d = diagnose(`${services}
| Domain | SSL | Proxy Target |
|---|---|---|
| web.example.com | yes | 127.0.0.1:16000 |

## Production

| Domain | SSL | Proxy Target |
|---|---|---|
| web.example.com | yes | 127.0.0.1:16000 |
| web.example.com | yes | 127.0.0.1:16000 |
`);
    expect(brief(d)).toEqual(['15:3 error domain-duplicate', '14:3 warning domain-shared']);
  });

  it('domain-shared is quiet for one row placed in every environment (all)', () => {
    expect(
      diagnose(`${services}
| Domain | Port | Proxy Target | Environment |
|---|---|---|---|
| web.example.com | 443 | 127.0.0.1:16000 | all |

## Production

| Service | Port |
|---|---|
| Web | 17000 |
`).filter((message) => message.rule === 'domain-shared'),
    ).toEqual([]);
  });
});

describe('ssl-invalid', () => {
  it('fires at an SSL cell that is neither yes nor no', () => {
    const d = diagnose(`${services}
| Domain | SSL | Proxy Target |
|---|---|---|
| web.example.com | maybe | 127.0.0.1:16000 |
`);
    const reason = expectFires(d, { rule: 'ssl-invalid', severity: 'error', line: 8, column: 21, value: 'maybe', says: 'expected ✅/yes or ❌/no' });
    expect(reason).toContain('`web.example.com`');
    expect(brief(d)).toEqual(['8:21 error ssl-invalid']);
  });

  it('is quiet for ✅, ❌ No, yes, no (internal)', () => {
    expect(
      diagnose(`${services}
| Domain | SSL | Proxy Target |
|---|---|---|
| a.example.com | ✅ | 127.0.0.1:16000 |
| b.example.com | ❌ No | 127.0.0.1:16000 |
| c.example.com | yes | 127.0.0.1:16000 |
| d.example.com | no (internal) | 127.0.0.1:16000 |
`),
    ).toEqual([]);
  });
});

describe('proxy-target-invalid', () => {
  it('fires at a target that is not host:port', () => {
    const d = diagnose(`${services}
| Domain | SSL | Proxy Target |
|---|---|---|
| web.example.com | yes | \`localhost\` |
| app.example.com | yes | bad_host!:16000 |
`);
    const hits = ofRule(d, 'proxy-target-invalid');
    expect(brief(hits)).toEqual(['8:27 error proxy-target-invalid', '9:27 error proxy-target-invalid']);
    expect(hits[0]!.reason).toContain('`localhost`');
    expect(hits[0]!.reason).toContain('`web.example.com`');
    expect(hits[0]!.reason).toContain('expected `host:port` such as `127.0.0.1:8000`');
    expect(hits[1]!.reason).toContain('`bad_host!:16000`');
    expect(d).toHaveLength(2);
    record(d, 'proxy-target-invalid');
  });

  it('fires at the row when the table has no Proxy Target column', () => {
    const d = diagnose(`${services}
| Domain | Port |
|---|---|
| web.example.com | 443 |
`);
    expectFires(d, { rule: 'proxy-target-invalid', severity: 'error', line: 8, column: 1, value: 'web.example.com', says: 'expected a `Proxy Target` column' });
  });

  it('reports a target with an impossible port once, not also as unregistered', () => {
    // BUG: `127.0.0.1:99999` also gets proxy-target-unregistered at the same cell
    // ("points at port 99999, which no service registers: add the service…"),
    // advice no one can follow; the same for `127.0.0.1:0`.
    const d = diagnose(`${services}
| Domain | SSL | Proxy Target |
|---|---|---|
| web.example.com | yes | 127.0.0.1:99999 |
`);
    expect(brief(d)).toEqual(['8:27 error proxy-target-invalid']);
  });

  it('is quiet for 127.0.0.1:PORT, http://localhost:PORT/, [::1]:PORT and a bare port', () => {
    expect(
      diagnose(`${services}
| Domain | SSL | Proxy Target |
|---|---|---|
| a.example.com | yes | 127.0.0.1:16000 |
| b.example.com | yes | http://localhost:16000/ |
| c.example.com | yes | [::1]:16000 |
| d.example.com | yes | 16000 |
`),
    ).toEqual([]);
  });
});

describe('proxy-target-unregistered', () => {
  it('fires at a target port that no service registers', () => {
    const d = diagnose(`${services}
| Domain | SSL | Proxy Target |
|---|---|---|
| web.example.com | yes | \`127.0.0.1:16009\` |
`);
    const reason = expectFires(d, {
      rule: 'proxy-target-unregistered',
      severity: 'error',
      line: 8,
      column: 27,
      value: '127.0.0.1:16009',
      says: 'add the service to a port table or fix the port',
    });
    expect(reason).toContain('`web.example.com`');
    expect(reason).toContain('port 16009');
    expect(brief(d)).toEqual(['8:27 error proxy-target-unregistered']);
  });

  it("looks in the row's environment first, then in any environment", () => {
    const d = diagnose(md`
## Development

| Service | Port | Protocol |
|---|---|---|
| Admin | 16100 | HTTP |

## Production

| Service | Port | Protocol |
|---|---|---|
| API | 17100 | HTTP |

### External Access

| Domain | SSL | Proxy Target |
|---|---|---|
| api.example.com | yes | 127.0.0.1:17100 |
| admin.example.com | yes | 127.0.0.1:16100 |
| lost.example.com | yes | 127.0.0.1:18000 |
`);
    // 17100 is registered in production (the row's environment), 16100 only in
    // development (found in any environment); 18000 nowhere.
    expect(brief(d)).toEqual(['19:28 error proxy-target-unregistered']);
    expect(d[0]!.reason).toContain('`127.0.0.1:18000`');
  });

  it("resolves the target to the service of the row's environment before another's", () => {
    const d = diagnose(md`
## Development

| Service | Port | Protocol |
|---|---|---|
| Cache | 16200 | Redis |

## Production

| Service | Port | Protocol |
|---|---|---|
| Web | 16200 | HTTP |

### Production External Access

| Domain | SSL | Proxy Target |
|---|---|---|
| web.example.com | yes | 127.0.0.1:16200 |

## Shared External Access

| Domain | SSL | Proxy Target |
|---|---|---|
| cache.example.com | yes | 127.0.0.1:16200 |
`);
    // The production row reaches production's HTTP `Web`; the default-environment
    // row has no own service on 16200 and falls back to the first, development's `Cache`.
    expect(brief(d)).toEqual(['23:29 warning proxy-target-not-http']);
    expect(d[0]!.reason).toContain('`Cache`');
  });
});

describe('proxy-target-not-http', () => {
  const redisTarget = `${services}
| Domain | SSL | Proxy Target |
|---|---|---|
| cache.example.com | yes | 127.0.0.1:16001 |
`;

  it('warns at a target whose service is not HTTP', () => {
    const d = diagnose(redisTarget);
    const reason = expectFires(d, {
      rule: 'proxy-target-not-http',
      severity: 'warning',
      line: 8,
      column: 29,
      value: '127.0.0.1:16001',
      says: 'which is not HTTP: no server block is written for it',
    });
    expect(reason).toContain('`Cache`');
    expect(reason).toContain('`Redis`');
    expect(brief(d)).toEqual(['8:29 warning proxy-target-not-http']);
  });

  it('is quiet for HTTP, WS and services without a Protocol cell', () => {
    expect(
      diagnose(md`
| Service | Port | Protocol |
|---|---|---|
| Web | 16000 | HTTP |
| Socket | 16001 | WS |
| Plain | 16002 | |

| Domain | SSL | Proxy Target |
|---|---|---|
| a.example.com | yes | 127.0.0.1:16000 |
| b.example.com | yes | 127.0.0.1:16001 |
| c.example.com | yes | 127.0.0.1:16002 |
`),
    ).toEqual([]);
  });
});

describe('listen-ssl-mixed', () => {
  it('fires at the port cell when one port is served with and without SSL', () => {
    const d = diagnose(`${services}
| Domain | Port | SSL | Proxy Target |
|---|---|---|---|
| a.example.com | 443 | ✅ | 127.0.0.1:16000 |
| b.example.com | 443 | ❌ | 127.0.0.1:16000 |
`);
    expectFires(d, { rule: 'listen-ssl-mixed', severity: 'error', line: 9, column: 19, says: 'make the SSL cells agree' });
  });

  it('fires when SSL on port 80 meets the redirect another SSL row needs there', () => {
    const d = diagnose(`${services}
| Domain | Port | SSL | Proxy Target |
|---|---|---|---|
| a.example.com | 443 | ✅ | 127.0.0.1:16000 |
| b.example.com | 80 | ✅ | 127.0.0.1:16000 |
`);
    expect(brief(d)).toEqual(['9:19 error listen-ssl-mixed', '9:19 warning listen-port-unusual']);
  });

  it('is quiet for SSL on 443 and 8443 beside plain HTTP on 80', () => {
    expect(
      diagnose(`${services}
| Domain | Port | SSL | Proxy Target |
|---|---|---|---|
| a.example.com | 443 | ✅ | 127.0.0.1:16000 |
| b.example.com | 8443 | ✅ | 127.0.0.1:16000 |
| c.example.com | 80 | ❌ | 127.0.0.1:16000 |
`),
    ).toEqual([]);
  });
});

describe('listen-port-unusual', () => {
  it('warns about plain HTTP on 443', () => {
    const d = diagnose(`${services}
| Domain | Port | SSL | Proxy Target |
|---|---|---|---|
| a.example.com | 443 | no | 127.0.0.1:16000 |
`);
    expectFires(d, { rule: 'listen-port-unusual', severity: 'warning', line: 8, column: 19, says: 'turn SSL on' });
  });
});

describe('ssl-scheme-conflict', () => {
  it('warns at the SSL cell when https:// meets SSL no', () => {
    const d = diagnose(`${services}
| Domain | Port | SSL | Proxy Target |
|---|---|---|---|
| https://web.example.com | 443 | ❌ No | 127.0.0.1:16000 |
`);
    const reason = expectFires(d, { rule: 'ssl-scheme-conflict', severity: 'warning', line: 8, column: 35, value: '❌ No', says: 'make them agree' });
    expect(reason).toContain('`https://web.example.com`');
    expect(brief(d)).toEqual(['8:29 warning listen-port-unusual', '8:35 warning ssl-scheme-conflict']);
  });

  it('warns when http:// meets SSL yes', () => {
    const d = diagnose(`${services}
| Domain | SSL | Proxy Target |
|---|---|---|
| http://web.example.com | ✅ | 127.0.0.1:16000 |
`);
    expect(brief(d)).toEqual(['8:28 warning ssl-scheme-conflict']);
  });

  it('is quiet when scheme and SSL agree, or there is no scheme', () => {
    expect(
      diagnose(`${services}
| Domain | SSL | Proxy Target |
|---|---|---|
| https://a.example.com | ✅ | 127.0.0.1:16000 |
| http://b.example.com | no | 127.0.0.1:16000 |
| c.example.com | no | 127.0.0.1:16000 |
`),
    ).toEqual([]);
  });
});

describe('mention-port-mismatch', () => {
  const tables = md`
## Development

| Service | Port |
|---|---|
| API Server | 16100 |
| Web Frontend | 16101 |

## Production

| Service | Port |
|---|---|
| API Server | 17100 |
`;

  it('fires at the port of a code sample that gives a service another port, naming its ports and their lines', () => {
    const d = diagnose(md`
${tables}
\`\`\`env
API_PORT=8000
WEB_FRONTEND_PORT=16101
\`\`\`
`);
    const reason = expectFires(d, {
      rule: 'mention-port-mismatch',
      severity: 'warning',
      line: 15,
      column: 10,
      value: 'API_PORT=8000',
      says: 'expected 16100 (line 5) or 17100 (line 12)',
    });
    expect(reason).toBe(
      'Unexpected port 8000 for `API Server` in `API_PORT=8000`, expected 16100 (line 5) or 17100 (line 12) as its table says: correct the sample (or put it between `<!-- portbook:env -->` and `<!-- /portbook:env -->`, and gen writes it)',
    );
    expect(brief(d)).toEqual(['15:10 warning mention-port-mismatch']);
  });

  it('fires in a picture’s box whose title names a service, after a full name in the text, and for an address variable', () => {
    const d = diagnose(md`
| Service | Port |
|---|---|
| Creator Suite Frontend | 16532 |
| Creator Suite API | 17354 |

\`\`\`
┌─────────────┬─────────────┐
│ Frontend    │ API Backend │
│ Port: 16532 │ Port: 17355 │
└─────────────┴─────────────┘
\`\`\`

- **Creator Suite API** runs on port 17356.
- \`CREATOR_SUITE_API_URL=http://localhost:17357\`
`);
    expect(brief(d)).toEqual(['9:23 warning mention-port-mismatch', '13:38 warning mention-port-mismatch', '14:43 warning mention-port-mismatch']);
    expect(d.map((x) => x.reason.slice(0, x.reason.indexOf(' as its table'))).join('\n')).toBe(
      [
        'Unexpected port 17355 for `Creator Suite API` in `Port: 17355`, expected 17354 (line 4)',
        'Unexpected port 17356 for `Creator Suite API` in `port 17356`, expected 17354 (line 4)',
        'Unexpected port 17357 for `Creator Suite API` in `http://localhost:17357`, expected 17354 (line 4)',
      ].join('\n'),
    );
    expect(d[0]!.reason).toMatch(/: correct the picture$/);
    expect(d[1]!.reason).toMatch(/: correct the text$/);
  });

  it('is quiet when the port is the service’s in some environment, or its port is a placeholder, or the name is ambiguous', () => {
    expect(
      diagnose(md`
${tables}
\`\`\`python
API_PORT: int = 17100
WEB_PORT = 16101
\`\`\`

| Service | Port |
|---|---|
| Worker | xxxx |

- Worker: port 19001
- Web: \`localhost:16100\`
`).filter((x) => x.rule !== 'port-placeholder'),
    ).toEqual([]);
  });

  it('leaves a details heading to details-port-mismatch', () => {
    const d = diagnose(md`
| Service | Port |
|---|---|
| Creator Suite API | 17354 |

#### API Port: 17355
- **Bind**: \`0.0.0.0:17354\`
`);
    expect(brief(d)).toEqual(['5:6 error details-port-mismatch']);
  });
});

describe('mention-port-unregistered', () => {
  it('fires at a port in a picture that no table registers, naming the box it stands in', () => {
    const d = diagnose(md`
| Service | Port |
|---|---|
| Frontend | 16532 |

\`\`\`
┌─────────────┬───────────────┐
│ Frontend    │ Bot Interface │
│ Port: 16532 │ Port: 18938   │
└─────────────┴───────────────┘
\`\`\`
`);
    const reason = expectFires(d, {
      rule: 'mention-port-unregistered',
      severity: 'warning',
      line: 8,
      column: 23,
      value: 'Bot Interface',
      says: 'is in no table',
    });
    expect(reason).toBe('Port 18938 of `Bot Interface` (`Port: 18938`) is in no table: add `Bot Interface` to a service table, or correct the picture');
  });

  it('fires in a code sample and in the text, saying what to correct', () => {
    const d = diagnose(md`
| Service | Port |
|---|---|
| API | 16000 |

\`\`\`env
REDIS_PORT=6379
\`\`\`

The cache answers on \`localhost:6380\`.
`);
    expect(d.map((x) => `${x.line}:${x.column} ${x.rule} ${x.reason}`)).toEqual([
      '6:12 mention-port-unregistered Port 6379 of `REDIS_PORT` (`REDIS_PORT=6379`) is in no table: add the service that uses it to a service table, or correct the sample (or put it between `<!-- portbook:env -->` and `<!-- /portbook:env -->`, and gen writes it)',
      '9:33 mention-port-unregistered Port 6380 (`localhost:6380`) is in no table: add the service that uses it to a service table, or correct the text',
    ]);
  });

  it('is quiet for ports an external-access row or a security note has, and for well-known ports', () => {
    expect(
      diagnose(md`
| Service | Port |
|---|---|
| API | 16000 |

| Domain | Port | SSL | Proxy Target |
|---|---|---|---|
| api.example.com | 8443 | yes | 127.0.0.1:16000 |
| old.example.com | 9443 | yes | 127.0.0.1:16000 |

## Security Notes

- Internal ports (5837, 6194) not directly exposed

Served at https://api.example.com:8443 and old.example.com:9443; the database is on port 5837.
Plain HTTP is on port 80, SSH on port 22.
`),
    ).toEqual([]);
  });
});

describe('the issue: one registry, one positioned error per problem', () => {
  it('reports a duplicate port, a non-numeric port, a port over 65535 and an unregistered proxy target once each', () => {
    const d = diagnose(md`
# Ports

## Development

| Service | Port | Protocol |
|---|---|---|
| API Server | 16000 | HTTP |
| Web Frontend | 16000 | HTTP |
| Worker | abc | TCP |
| Search | 70000 | HTTP |

## External Access

| Domain | SSL | Proxy Target |
|---|---|---|
| api.example.com | ✅ | 127.0.0.1:16001 |
`);
    // No warnings either: no ranges declared, no privileged port, all protocols known.
    expect(brief(sortedMessagesOf(d))).toEqual([
      '8:18 error port-duplicate',
      '9:12 error port-not-integer',
      '10:12 error port-out-of-range',
      '16:25 error proxy-target-unregistered',
    ]);
    expect(d.find((x) => x.rule === 'port-duplicate')!.reason).toContain('`API Server` (line 7)');
    expect(d.find((x) => x.rule === 'port-not-integer')!.reason).toContain('`abc`');
    expect(d.find((x) => x.rule === 'port-out-of-range')!.reason).toContain('70000');
    expect(d.find((x) => x.rule === 'proxy-target-unregistered')!.reason).toContain('`127.0.0.1:16001`');
  });
});

/** Sort plain diagnostics by line and column (for lists built by `diagnose`). */
function sortedMessagesOf(diagnostics: Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
}

describe('sortedMessages', () => {
  it('puts diagnostics in document order though rules run in table order', () => {
    const source = check(md`
| Service | Port | Protocol |
|---|---|---|
| Web | 80 | Gopher |
| API | 16000 | HTTP |
| Copy | 16000 | HTTP |
| Broken | abc | HTTP |
`);
    // validate emits by rule: not-integer (6) before duplicate (5), protocol (3:14) before privileged (3:9).
    expect(source.file.messages.map((m) => m.line)).not.toEqual([...source.file.messages.map((m) => m.line)].sort((a, b) => a! - b!));
    expect(sortedMessages(source.file).map((m) => `${m.line}:${m.column} ${m.ruleId}`)).toEqual([
      '3:9 port-privileged',
      '3:14 protocol-unknown',
      '5:10 port-duplicate',
      '6:12 port-not-integer',
    ]);
  });

  it('puts an error before a warning at the same place', () => {
    // `â€”` is mojibake for `—`, a placeholder: read warns before validate errs, both at 3:7.
    const bytes = Uint8Array.from([...utf8('| Service | Port |\n|---|---|\n| A | '), ...utf8('â€”'), ...utf8(' |\n')]);
    const source = check(bytes);
    expect(source.file.messages.map((m) => m.ruleId)).toEqual(['encoding-mojibake', 'port-placeholder', 'protocol-assumed']);
    expect(sortedMessages(source.file).map((m) => `${m.line}:${m.column} ${m.fatal ? 'error' : 'warning'} ${m.ruleId}`)).toEqual([
      '1:1 warning protocol-assumed',
      '3:7 error port-placeholder',
      '3:7 warning encoding-mojibake',
    ]);
  });
});

describe('positions on disk', () => {
  it('are unchanged by a BOM and CRLF line endings', () => {
    const text = '\uFEFF| Service | Port |\r\n|---|---|\r\n| A | xxxx |\r\n| B | 16000 |\r\n| C | 16000 |\r\n';
    expect(brief(diagnose(text))).toEqual(['3:7 error port-placeholder', '5:7 error port-duplicate']);
    expect(diagnose(text)[1]!.reason).toContain('`C` is already used by `B` (line 4)');
  });

  it('do not count a BOM as a column on line 1', () => {
    const bytes = Uint8Array.from([0xef, 0xbb, 0xbf, ...utf8('# Caf'), ...utf8('Ã©'), ...utf8('\n\n| Service | Port |\n|---|---|\n| A | xxxx |\n')]);
    expect(brief(diagnose(bytes))).toEqual(['1:6 warning encoding-mojibake', '5:7 error port-placeholder']);
  });

  it('count repaired mojibake as the characters on disk, astral characters included', () => {
    // On disk: `| ğŸ“‹ A â†“ | xxxx |`; parsed as `| 📋 A ↓ | xxxx |`.
    const bytes = Uint8Array.from([...utf8('| Service | Port |\n|---|---|\n| '), ...utf8('ğŸ“‹ A â†“'), ...utf8(' | xxxx |\n')]);
    const d = diagnose(bytes);
    expect(brief(d)).toEqual(['3:3 warning encoding-mojibake', '3:16 error port-placeholder']);
    expect(d[1]!.reason).toContain('`📋 A ↓`');
  });

  it('count repaired mojibake as on disk with CRLF line endings', () => {
    const bytes = Uint8Array.from([...utf8('| Service | Port |\r\n|---|---|\r\n| Caf'), ...utf8('Ã©'), ...utf8(' | xxxx |\r\n')]);
    expect(brief(diagnose(bytes))).toEqual(['3:6 warning encoding-mojibake', '3:11 error port-placeholder']);
  });

  it('count repaired mojibake as on disk with CR-only line endings', () => {
    // BUG: repairMojibake counts lines by `\n` only, so with classic-Mac `\r`
    // endings every repair is placed on line 1: the warning says 1:35 and the
    // placeholder 3:10 (the line-3 repair is not shifted back).
    const bytes = Uint8Array.from([...utf8('| Service | Port |\r|---|---|\r| Caf'), ...utf8('Ã©'), ...utf8(' | xxxx |\r')]);
    expect(brief(diagnose(bytes))).toEqual(['3:6 warning encoding-mojibake', '3:11 error port-placeholder']);
  });

  it('follow tables nested in lists and block quotes', () => {
    expect(
      brief(
        diagnose(md`
- services:

  | Service | Port |
  |---|---|
  | A | xxxx |
`),
      ),
    ).toEqual(['5:9 error port-placeholder']);
    expect(
      brief(
        diagnose(md`
> | Service | Port |
> |---|---|
> | A | xxxx |
`),
      ),
    ).toEqual(['3:9 error port-placeholder']);
  });
});

describe('seed fixtures', () => {
  const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`./fixtures/seeds/${name}`, import.meta.url)));

  it('creator-suite.md: one encoding-mojibake warning at the first affected line, and the picture’s port no table has', () => {
    const bytes = fixture('creator-suite.md');
    // Line 3 is `## ğŸ“‹ Port Allocation Registry`: the mojibake starts at column 4.
    expect(new TextDecoder().decode(bytes).split('\n')[2]!.indexOf('ğŸ“‹')).toBe(3);
    // Line 46 is the picture's `â”‚  Port: 16532    â”‚  Port: 17354    â”‚  Port: 18938    â”‚`, mojibake on disk.
    expect(new TextDecoder().decode(bytes).split('\n')[45]!.indexOf('18938')).toBe(51);
    const d = diagnose(bytes);
    expect(brief(d)).toEqual(['3:4 warning encoding-mojibake', '46:52 warning mention-port-unregistered']);
    expect(d[1]!.reason).toBe('Port 18938 of `Bot Interface` (`Port: 18938`) is in no table: add `Bot Interface` to a service table, or correct the picture');
    expect(d[0]!.reason).toContain('`ğŸ“‹`');
    expect(d[0]!.reason).toContain('`📋`');
    expect(d[0]!.reason).toContain("repair the file with `portbook fix-encoding` (and gen's --source, if you pass one)");
  });

  it('template.md: a port-placeholder error at each of the 9 `xxxx` cells', () => {
    const bytes = fixture('template.md');
    const d = diagnose(bytes);
    const expected = [
      [9, 16, 'API Server'],
      [10, 18, 'Web Frontend'],
      [11, 14, 'Database'],
      [12, 11, 'Redis'],
      [13, 15, 'WebSocket'],
      [14, 22, 'Jupyter Notebook'],
      [20, 16, 'API Server'],
      [21, 14, 'Database'],
      [22, 11, 'Redis'],
    ] as const;
    // Cross-check the literal columns against the file itself.
    const lines = new TextDecoder().decode(bytes).split('\n');
    for (const [line, column] of expected) expect(lines[line - 1]!.indexOf('xxxx') + 1).toBe(column);
    expect(d).toEqual(
      expected.map(([line, column, service]) => ({
        rule: 'port-placeholder',
        severity: 'error',
        line,
        column,
        reason: `Port of \`${service}\` is the placeholder \`xxxx\`, expected a number from 1 to 65535: choose a free port and write it here (\`portbook next\` prints one), or run \`portbook fill\` to write one into every placeholder`,
      })),
    );
  });

  it('template-filled.md: its ```env sample disagrees with its tables, and nothing else', () => {
    const d = diagnose(fixture('template-filled.md'));
    expect(brief(d)).toEqual(['40:10 warning mention-port-mismatch', '41:10 warning mention-port-mismatch', '42:15 warning mention-port-mismatch']);
    expect(d.map((x) => x.reason.slice(0, x.reason.indexOf(' as its table')))).toEqual([
      'Unexpected port 8000 for `API Server` in `API_PORT=8000`, expected 16100 (line 9) or 17100 (line 20)',
      'Unexpected port 3000 for `Web Frontend` in `WEB_PORT=3000`, expected 16101 (line 10)',
      'Unexpected port 5432 for `Database` in `DATABASE_PORT=5432`, expected 16102 (line 11) or 17102 (line 21)',
    ]);
  });
});

describe('details sections, configuration files and security notes', () => {
  const table = md`
## Ports

| Service | Port | Protocol |
|---|---|---|
| **Creator Suite API** | 16000 | HTTP |
| **Creator Suite Frontend** | 16001 | HTTP |
`;

  it('details-port-mismatch fires at a heading whose port disagrees with the table', () => {
    const d = diagnose(`${table}
#### API Port: 16005
- **Bind**: \`127.0.0.1:16005\`
`);
    expectFires(d, {
      rule: 'details-port-mismatch',
      severity: 'error',
      line: 8,
      column: 6,
      value: 'API Port: 16005',
      says: 'make the heading and the table agree',
    });
  });

  it('details-unknown-service warns about details for no registered service', () => {
    const d = diagnose(`${table}
#### Worker Port: 16009
- **Workers**: 4 worker processes
`);
    expectFires(d, {
      rule: 'details-unknown-service',
      severity: 'warning',
      line: 8,
      column: 6,
      value: 'Worker Port: 16009',
      says: 'name the service (or its port) in the heading',
    });
  });

  it('variable-duplicate covers the host and health-path variables details add', () => {
    const d = diagnose(
      md`
| Service | Port | Env |
|---|---|---|
| API | 16000 | |
| Admin | 16001 | API_HOST |

### API
- **Bind**: \`127.0.0.1:16000\`
`,
      // a name of another shape than …_PORT needs the config's allow list
      { variables: ['API_HOST'] },
    );
    expect(brief(d)).toEqual(['3:3 error variable-duplicate']);
    expect(d[0]!.reason).toContain('`API_HOST` that the details of `API` add is already taken by `Admin`');
  });

  it('details that match are quiet, by port or by name', () => {
    expect(
      diagnose(`${table}
#### API Port: 16000
- **Workers**: 4 worker processes

#### Creator Suite Frontend
- **Health Check**: Available at \`/health\`
`),
    ).toEqual([]);
  });

  it('config-file-unmatched warns about a unit whose label matches no service, or several', () => {
    const d = diagnose(`${table}
### Configuration Files

- **Suite Service**: \`/etc/systemd/system/suite.service\`
- **API Service**: \`/etc/systemd/system/api.service\`
`);
    expectFires(d, {
      rule: 'config-file-unmatched',
      severity: 'warning',
      line: 10,
      column: 22,
      value: '/etc/systemd/system/suite.service',
      says: 'rename its label to one service',
    });
  });

  it('unit-overridden warns at the list item that wins over a `systemd.units` entry for the same service', () => {
    const d = diagnose(
      `${table}
### Configuration Files

- **API Service**: \`/etc/systemd/system/creator-suite-api.service\`
`,
      { units: { 'Creator Suite API': 'suite-api' } },
    );
    const reason = expectFires(d, {
      rule: 'unit-overridden',
      severity: 'warning',
      line: 10,
      column: 20,
      value: 'creator-suite-api',
      says: 'remove one of them',
    });
    expect(reason).toContain('`suite-api`');
    expect(reason).toContain('`Creator Suite API`');
    expect(reason).toContain('`systemd.units`');
  });

  it('unit-overridden warns once for a row placed in every environment, and is quiet when both name the same unit', () => {
    const shared = md`
## Dev

| Service | Port | Environment |
|---|---|---|
| Mailer | 16000 | all |

## Prod

| Service | Port |
|---|---|
| Web | 17000 |

### Configuration Files

- **Mailer**: \`/etc/systemd/system/mail.service\`
`;
    expect(brief(diagnose(shared, { units: { Mailer: 'mailer' } }))).toEqual(['15:15 warning unit-overridden']);
    expect(diagnose(shared, { units: { Mailer: 'mail' } })).toEqual([]);
    expect(diagnose(shared, { units: { Web: 'web-front' } })).toEqual([]);
  });

  it('config-file-unmatched says the configured unit stays when the list names an unusable one', () => {
    const d = diagnose(
      `${table}
### Configuration Files

- **API Service**: \`/etc/systemd/system/bad name.service\`
`,
      { units: { 'Creator Suite API': 'suite-api' } },
    );
    expect(brief(d)).toEqual(['10:20 warning config-file-unmatched']);
    expect(d[0]!.reason).toContain('keeps `suite-api` from `systemd.units`');
  });

  it('bind-invalid and health-path-invalid fire at their values', () => {
    const d = diagnose(`${table}
#### API Port: 16000
- **Bind**: \`0.0.0.0; evil\`
- **Health Check**: \`/health; rewrite\`
`);
    expectFires(d, { rule: 'bind-invalid', severity: 'error', line: 9, column: 13, value: '0.0.0.0; evil', says: 'put the address alone in backticks' });
    expectFires(d, { rule: 'health-path-invalid', severity: 'error', line: 10, column: 21, value: '/health; rewrite', says: 'expected a path' });
  });

  it('workers-invalid fires at a worker count past 1024 (here one JavaScript cannot even hold exactly); 0 stays "not set"', () => {
    const d = diagnose(`${table}
#### API Port: 16000
- **Workers**: 99999999999999999999 processes
`);
    expectFires(d, {
      rule: 'workers-invalid',
      severity: 'error',
      line: 9,
      column: 16,
      value: '99999999999999999999',
      says: 'expected a whole number of processes up to 1024',
    });
    const many = diagnose(`${table}
#### API Port: 16000
- **Workers**: 1025
`);
    expectFires(many, { rule: 'workers-invalid', severity: 'error', line: 9, column: 16, value: '1025', says: '0 leaves it unset' });
    for (const fine of ['0 (auto)', '1024']) {
      expect(
        diagnose(`${table}
#### API Port: 16000
- **Workers**: ${fine}
`),
      ).toEqual([]);
    }
  });

  it('exec-start-invalid fires at an ExecStart that is not one program and its arguments, and stays quiet for one that is', () => {
    const at = (value: string): Diagnostic[] =>
      diagnose(`${table}
#### API Port: 16000
- **Bind**: \`127.0.0.1\`
- **ExecStart**: ${value}
`);
    expectFires(at('`node server.js`'), {
      rule: 'exec-start-invalid',
      severity: 'error',
      line: 10,
      column: 18,
      value: 'node',
      says: 'expected an absolute path',
    });
    expectFires(at('/usr/bin/api ; rm -rf /'), { rule: 'exec-start-invalid', severity: 'error', line: 10, column: 18, value: ';', says: 'not a shell' });
    expectFires(at('`/usr/bin/api --data $HOME`'), {
      rule: 'exec-start-invalid',
      severity: 'error',
      line: 10,
      column: 18,
      value: '$HOME',
      says: 'expected only `${CREATOR_SUITE_API_PORT}`, `${PORT}`, `${HOST}` (the variables this unit sets)',
    });
    expectFires(at('`/usr/bin/api "unclosed`'), { rule: 'exec-start-invalid', severity: 'error', line: 10, column: 18, says: 'expected a closing `"`' });
    for (const fine of ['`/usr/bin/api --host ${HOST} --port ${CREATOR_SUITE_API_PORT} --title "Creator Suite" --fmt %h` (the API)', '/usr/bin/api']) {
      expect(at(fine)).toEqual([]);
    }
    // without a Bind detail the unit sets no HOST
    const noHost = diagnose(`${table}
#### API Port: 16000
- **ExecStart**: \`/usr/bin/api --host \${HOST}\`
`);
    expect(brief(noHost)).toEqual(['9:18 error exec-start-invalid']);
    expect(noHost[0]!.reason).toContain('Unexpected `${HOST}` in ExecStart, expected only `${CREATOR_SUITE_API_PORT}`, `${PORT}`');
  });

  it('socket-activation-invalid fires at a value that is neither yes nor no, and at yes for a service bound to a host name', () => {
    expectFires(
      diagnose(`${table}
#### API Port: 16000
- **Socket Activation**: maybe
`),
      { rule: 'socket-activation-invalid', severity: 'error', line: 9, column: 26, value: 'maybe', says: 'expected yes or no' },
    );
    const hostName = diagnose(`${table}
#### API Port: 16000
- **Bind**: \`api.internal\`
- **Socket Activation**: yes
`);
    expectFires(hostName, {
      rule: 'socket-activation-invalid',
      severity: 'error',
      line: 10,
      column: 26,
      value: 'api.internal',
      says: 'expected an IP address',
    });
    for (const fine of [
      '- **Bind**: `::1`\n- **Socket Activation**: ✅',
      '- **Socket Activation**: no',
      '- **Bind**: `localhost:16000`\n- **Socket Activation**: yes',
    ]) {
      expect(
        diagnose(`${table}
#### API Port: 16000
${fine}
`),
      ).toEqual([]);
    }
  });

  it('internal-port-exposed fires at a proxy target on a port the security note calls internal', () => {
    const d = diagnose(`${table}
| Domain | SSL | Proxy Target |
|---|---|---|
| api.example.com | ✅ | 127.0.0.1:16000 |

### Security Notes

- ✅ Internal ports (16000, 16001) not directly exposed to internet
`);
    expectFires(d, {
      rule: 'internal-port-exposed',
      severity: 'error',
      line: 10,
      column: 25,
      value: '127.0.0.1:16000',
      says: 'remove the row, or update the note',
    });
  });
});

describe('compose rules', () => {
  it('compose-service-invalid fires at a Compose Service that is no compose name, and at a Container Port that is no port', () => {
    const d = diagnose(md`
| Service | Port |
|---|---|
| API | 16000 |
| Web | 16001 |

#### API Port: 16000
- **Compose Service**: api; rm -rf /

#### Web Port: 16001
- **Compose Service**: \`web\`
- **Container Port**: 80000
`);
    expect(brief(d)).toEqual(['7:24 error compose-service-invalid', '11:23 error compose-service-invalid']);
    expect(d[1]!.reason).toContain('Unexpected container port `80000`, expected the port the process listens on inside its container');
    const reason = expectFires(
      d.filter((item) => item.line === 7),
      { rule: 'compose-service-invalid', severity: 'error', line: 7, column: 24, value: 'api; rm -rf /', says: 'write the name in backticks' },
    );
    expect(reason).toContain('expected the name of a service of the compose file');
    // a name of letters, digits and `._-`, in backticks with prose around it, and a port: quiet
    expect(
      diagnose(md`
| Service | Port |
|---|---|
| API | 16000 |

#### API Port: 16000
- **Compose Service**: \`api.v2_x-1\` (in compose.yaml)
- **Container Port**: \`8000\`
`),
    ).toEqual([]);
  });

  it('compose-publishes-all-interfaces fires at the registered port a compose file publishes on every interface', () => {
    const registry = md`
| Service | Port | Protocol |
|---|---|---|
| API | 16000 | HTTP |
| Edge | 443 | HTTPS |

| Domain | SSL | Proxy Target |
|---|---|---|
| api.example.com | yes | 127.0.0.1:16000 |
| other.example.com | yes | 10.0.0.7:16009 |
`;
    const compose = (ports: string): ValidateOptions => ({ composeFiles: [{ name: 'compose.yaml', text: `services:\n  api:\n    ports:\n${ports}` }] });
    const d = diagnose(registry, compose('      - "16000:8000"\n'));
    expectFires(d, {
      rule: 'compose-publishes-all-interfaces',
      severity: 'warning',
      line: 3,
      column: 9,
      value: '"16000:8000"',
      says: 'expected it on loopback, such as `127.0.0.1:16000:8000`',
    });
    expect(ofRule(d, 'compose-publishes-all-interfaces')[0]!.reason).toContain('in compose.yaml (line 4, service `api`)');
    // a port only a proxy target registers is reported at that target
    expect(brief(ofRule(diagnose(registry, compose('      - "0.0.0.0:16009:16009"\n')), 'compose-publishes-all-interfaces'))).toEqual([
      '9:29 warning compose-publishes-all-interfaces',
    ]);
    // quiet: on loopback or an address of its own, an unregistered port, a port the sites listen on (Edge's 443), no compose file
    for (const ports of ['      - "127.0.0.1:16000:8000"\n', '      - "10.0.0.5:16000:8000"\n', '      - "16050:16050"\n', '      - "443:443"\n']) {
      expect(ofRule(diagnose(registry, compose(ports)), 'compose-publishes-all-interfaces'), ports).toEqual([]);
    }
    expect(ofRule(diagnose(registry), 'compose-publishes-all-interfaces')).toEqual([]);
  });
});

describe('name-too-long', () => {
  it('fires at a name whose derived unit, upstream and variable pass 240 characters, and at an Env cell that long', () => {
    const long = 'A'.repeat(250);
    const d = diagnose(md`
| Service | Port | Protocol | Env |
|---|---|---|---|
| ${long} | 16000 | HTTP | |
| Cache | 16001 | Redis | ${'C'.repeat(300)}_PORT |
| ${'B'.repeat(235)} | 16002 | TCP | |
`);
    const reason = expectFires(ofRule(d, 'name-too-long').slice(0, 1), {
      rule: 'name-too-long',
      severity: 'error',
      line: 3,
      column: 3,
      value: `${'A'.repeat(40)}…`,
      says: 'expected at most 240 characters',
    });
    expect(reason).toContain(`the systemd unit \`${'a'.repeat(40)}…\` (250 characters), the nginx upstream`);
    // an upstream can only be shortened with the name
    expect(reason).toMatch(/: shorten the name$/);
    expect(brief(ofRule(d, 'name-too-long'))).toEqual(['3:3 error name-too-long', '4:27 error name-too-long']);
    expect(ofRule(d, 'name-too-long')[1]!.reason).toContain('Unexpected variable name of 305 characters');
  });

  it('is quiet for a long name whose unit the config names and whose variable a cell gives', () => {
    const long = 'A'.repeat(250);
    const d = diagnose(
      md`
| Service | Port | Protocol | Env |
|---|---|---|---|
| ${long} | 16000 | TCP | API_PORT |
`,
      { units: { [long]: 'api' } },
    );
    expect(ofRule(d, 'name-too-long')).toEqual([]);
  });

  it('counts what the name derives, not its length: 50 characters that fold to 300', () => {
    const d = diagnose(md`
| Service | Port | Protocol |
|---|---|---|
| ${'㎯'.repeat(50)} | 16000 | TCP |
`);
    expect(brief(ofRule(d, 'name-too-long'))).toEqual(['3:3 error name-too-long']);
    expect(ofRule(d, 'name-too-long')[0]!.reason).toContain('(300 characters)');
  });
});

describe('comment-truncated', () => {
  it('warns at a description, a purpose and a name past 200 characters, and at nothing shorter', () => {
    const d = diagnose(md`
| Service | Port | Protocol | Description |
|---|---|---|---|
| Web | 16000 | HTTP | ${'d'.repeat(201)} |
| ${'N'.repeat(201)} | 16001 | TCP | ${'e'.repeat(200)} |

| Domain | SSL | Proxy Target | Purpose |
|---|---|---|---|
| web.example.com | yes | 127.0.0.1:16000 | ${'p'.repeat(4_096)} |
`);
    expect(brief(ofRule(d, 'comment-truncated'))).toEqual([
      '3:24 warning comment-truncated',
      '4:3 warning comment-truncated',
      '8:45 warning comment-truncated',
    ]);
    expectFires(ofRule(d, 'comment-truncated').slice(0, 1), {
      rule: 'comment-truncated',
      severity: 'warning',
      line: 3,
      column: 24,
      value: 'Web',
      says: 'Unexpected description of 201 characters for `Web`, expected at most 200: the comments of the outputs keep its first 200',
    });
  });

  it('counts characters, not UTF-16 units: 200 emoji are not cut', () => {
    const d = diagnose(md`
| Service | Port | Protocol | Description |
|---|---|---|---|
| Web | 16000 | HTTP | ${'𝕏'.repeat(200)} |
`);
    expect(ofRule(d, 'comment-truncated')).toEqual([]);
  });
});

describe('addresses nginx would not take', () => {
  it('proxy-target-invalid says why, and what to write: zone ids, invisible, full-width and non-ASCII characters', () => {
    const d = diagnose(`${services}
| Domain | SSL | Proxy Target |
|---|---|---|
| a.example.com | yes | [fe80::1%eth0]:16000 |
| b.example.com | yes | local\u00adhost:16000 |
| c.example.com | yes | ｌｏｃａｌｈｏｓｔ:16000 |
| d.example.com | yes | １２７．０．０．１：１６０００ |
| e.example.com | yes | bücher.example:16000 |
| f.example.com | yes | lоcalhost:16000 |
| g.example.com | yes | [::1]:16000 |
`);
    const reasons = ofRule(d, 'proxy-target-invalid').map((hit) => hit.reason.replace(/^.*expected `host:port` such as `127\.0\.0\.1:8000`/, ''));
    expect(reasons).toEqual([
      ': nginx takes no zone id (`%eth0`) in an IPv6 address; use an address without one, such as `::1` or a unique local `fd00::1`',
      ': it holds the invisible character U+00AD (soft hyphen); remove it',
      ': it is written in full-width or other compatibility characters, which nginx does not read; did you mean `localhost:16000`?',
      ': it is written in full-width or other compatibility characters, which nginx does not read; did you mean `127.0.0.1:16000`?',
      ': nginx connects to ASCII names only, and this one is not (an international name, or one that only looks like an ASCII one); if it is the host you mean, write its ASCII form `xn--bcher-kva.example:16000`',
      ': nginx connects to ASCII names only, and this one is not (an international name, or one that only looks like an ASCII one); if it is the host you mean, write its ASCII form `xn--lcalhost-nbh:16000`',
    ]);
  });

  it('bind-invalid says the same of a bind address, and takes a bare IPv6 one', () => {
    const d = diagnose(md`
| Service | Port | Protocol |
|---|---|---|
| API | 16000 | HTTP |
| Web | 16001 | HTTP |

#### API Port: 16000
- **Bind**: \`fe80::1%eth0\`

#### Web Port: 16001
- **Bind**: \`fd00::1\`
`);
    expect(brief(d)).toEqual(['7:13 error bind-invalid']);
    expect(d[0]!.reason).toContain(': nginx takes no zone id (`%eth0`) in an IPv6 address');
  });
});

describe('the rules table', () => {
  it('has unique ids, each in the catalogue with a severity', () => {
    const ids = rules.map((rule) => rule.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const rule of rules) expect(['error', 'warning']).toContain(ruleCatalogue[rule.id].severity);
  });

  it('every rule has a test above in which it fired (run the whole file)', () => {
    expect([...fired.keys()].sort()).toEqual(rules.map((rule) => rule.id).sort());
  });

  // The messages collected by the fires tests above: each must say what to do.
  // port-privileged's external message: see its own test.
  it.each(rules.map((rule) => rule.id))('the message of %s says what to do', (id) => {
    expect(fired.get(id), `no fires test ran for ${id}`).toBeDefined();
    expect(fired.get(id)).toMatch(actionable);
  });
});

describe('messages that point at the likely mistake', () => {
  it('refuses system variables in the Env column', () => {
    const d = diagnose(md`
| Service | Port | Env |
|---|---|---|
| Gateway | 16000 | LD_PRELOAD |
| Web | 16001 | NODE_OPTIONS |
`);
    expect(brief(d)).toEqual(['3:21 error variable-invalid', '4:17 error variable-invalid']);
    expect(d[0]!.reason).toContain('the dynamic loader read it');
    expect(d[1]!.reason).toContain('Node.js and npm read it');
  });

  it('hints at an Environment column when the Env column holds environments', () => {
    const d = diagnose(md`
| Service | Port | Env |
|---|---|---|
| Web | 16000 | dev |
`);
    expect(d[0]!.reason).toContain('rename the column header to `Environment`');
  });

  it('hints at per-environment ports for `16543 (dev)`', () => {
    const d = diagnose(md`
| Service | Port |
|---|---|
| Web | 16543 (dev) |
`);
    expect(d[0]!.reason).toContain('use an `Environment` column or one table per environment heading');
  });

  it('does not call two out-of-range ports duplicates', () => {
    const d = diagnose(md`
| Service | Port |
|---|---|
| A | 70000 |
| B | 70000 |
`);
    expect(brief(d)).toEqual(['3:7 error port-out-of-range', '4:7 error port-out-of-range']);
  });
});
