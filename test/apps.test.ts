/**
 * The caddy, compose and prometheus targets, read by their real consumers
 * (`caddy validate`, `docker-compose config`, `promtool check config` and
 * `check rules`, the blackbox exporter's `--config.check`), and held to
 * nginx: Caddy listens on exactly the ports nginx does for the same registry.
 * Expected values are written out literally below, independently of the renderer.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { fastPath } from '../src/cli/fast.js';
import { type GenerateResult, generate } from '../src/index.js';
import { environmentKey } from '../src/registry/names.js';
import { siteListenPorts } from '../src/registry/queries.js';
import { caddyComment, caddyToken } from '../src/targets/caddy.js';
import { composePublications, onAllInterfaces } from '../src/targets/compose.js';
import { yamlComment, yamlString } from '../src/targets/yaml.js';
import {
  blackboxCheck,
  caddyAdapt,
  caddyValidate,
  composeConfig,
  composeConfigShown,
  promtoolCheckConfig,
  promtoolCheckRules,
  pyYaml,
  skipAppConsumers,
  warnIfAppConsumersSkipped,
} from './app-consumers.js';
import { ok, outcome, write } from './consumers.js';
import { fileTemporaryDirs, runCli, writeProject } from './helpers.js';

const repo = fileURLToPath(new URL('..', import.meta.url));
const seeds = path.join(repo, 'test/fixtures/seeds');

const temporaryDir = fileTemporaryDirs('apps');

const suite = skipAppConsumers ? describe.skip : describe;
warnIfAppConsumersSkipped('apps.test.ts');

/** The targets these tests generate: nginx for the comparison, and the three. */
const targets = ['nginx', 'caddy', 'compose', 'prometheus'];

/** Generate `markdown` (a registry's text) with `targets` on, into a fresh directory. */
function generateText(markdown: string): { out: string; result: GenerateResult } {
  const dir = temporaryDir('project');
  const source = write(path.join(dir, 'docs/PORTS.md'), markdown);
  write(path.join(dir, 'package.json'), '{}\n');
  const config = write(path.join(dir, 'portbook.config.json'), JSON.stringify({ targets }));
  const out = path.join(dir, 'generated');
  const result = generate({ source, out, config, cwd: dir });
  expect(result.diagnostics.filter((message) => message.fatal).map(String)).toEqual([]);
  return { out, result };
}

/** The Creator Suite registry, its API containerised as the compose service `api` listening on 8000 inside. */
const creatorSuite = readFileSync(path.join(seeds, 'creator-suite.md'), 'utf8').replace(
  '- **Framework**: FastAPI\n',
  '- **Framework**: FastAPI\n- **Compose Service**: `api`\n- **Container Port**: 8000\n',
);

interface Fixture {
  name: string;
  markdown: string;
  /** Environment → the ports its sites listen on, as nginx's and Caddy's files must. */
  ports: Record<string, number[]>;
  /** Environment → compose service → its ports as `docker-compose config` prints them back. */
  compose: Record<string, Record<string, string[]>>;
  /** Environment → how many probes its target file holds. */
  probes: Record<string, number>;
}

const fixtures: Fixture[] = [
  {
    name: 'creator-suite.md, its API containerised',
    markdown: creatorSuite,
    ports: { default: [80, 443] },
    compose: { default: { api: ['127.0.0.1:17354:8000/tcp'] } },
    probes: { default: 4 },
  },
  {
    name: 'apps.md',
    markdown: readFileSync(path.join(seeds, 'apps.md'), 'utf8'),
    ports: { default: [80, 443, 8080, 8443], production: [80, 443] },
    compose: {
      default: {
        api: ['127.0.0.1:18200:8000/tcp', '127.0.0.1:18201:9100/tcp'],
        live: ['::1:18202:18202/tcp'],
        admin: ['10.0.0.5:18203:18203/tcp'],
      },
    },
    // api (endpoint and health), live, www on 80 and on 443 (each with its health), status; the wildcard domain is not probed
    probes: { default: 8, production: 1 },
  },
  {
    name: 'nginx-sites.md',
    markdown: readFileSync(path.join(seeds, 'nginx-sites.md'), 'utf8'),
    ports: { default: [80, 443, 8443], production: [80, 443] },
    compose: {},
    probes: { default: 5, production: 1 },
  },
  {
    // no external access: nothing for Caddy to serve or Prometheus to probe, only the rules and modules
    name: 'template-filled.md',
    markdown: readFileSync(path.join(seeds, 'template-filled.md'), 'utf8'),
    ports: {},
    compose: {},
    probes: {},
  },
];

const suffix = (env: string): string => (env === 'default' ? '' : `.${env}`);

/** The ports an nginx file's `listen` lines name. */
const nginxPorts = (text: string): number[] =>
  [...new Set([...text.matchAll(/^ {4}listen (?:\[::\]:)?(\d+)/gm)].map((match) => Number(match[1])))].sort((a, b) => a - b);

for (const fixture of fixtures)
  suite(fixture.name, () => {
    let out = '';
    let result: GenerateResult;
    const read = (relative: string): string => readFileSync(path.join(out, relative), 'utf8');
    beforeAll(() => {
      ({ out, result } = generateText(fixture.markdown));
    });

    it('caddy validate accepts each environment’s Caddyfile, offline', () => {
      const files = [...result.files!.keys()].filter((file) => file.startsWith('caddy/'));
      expect(files.sort()).toEqual(
        Object.keys(fixture.ports)
          .map((env) => `caddy/portbook${suffix(env)}.caddyfile`)
          .sort(),
      );
      for (const env of Object.keys(fixture.ports)) {
        const file = path.join(out, `caddy/portbook${suffix(env)}.caddyfile`);
        expect(outcome(caddyValidate(file, temporaryDir('caddy'))).status, `caddy validate ${file}`).toBe(0);
      }
    });

    it('Caddy listens on exactly the ports nginx listens on, per environment: the sites’ own and 80 for the redirects', () => {
      const registry = result.registry;
      for (const [env, ports] of Object.entries(fixture.ports)) {
        const adapted = caddyAdapt(path.join(out, `caddy/portbook${suffix(env)}.caddyfile`), temporaryDir('caddy'));
        expect(adapted.status, adapted.stderr).toBe(0);
        expect({ env, caddy: adapted.ports }).toEqual({ env, caddy: ports });
        expect({ env, nginx: nginxPorts(read(`nginx/portbook${suffix(env)}.conf`)) }).toEqual({ env, nginx: ports });
        expect({ env, registry: [...siteListenPorts(registry, env)].sort((a, b) => a - b) }).toEqual({ env, registry: ports });
      }
      const environments = new Set(registry.externalAccess.map((access) => environmentKey(access.environment.name)));
      expect([...environments].sort()).toEqual(Object.keys(fixture.ports).sort());
    });

    it('docker-compose config -q accepts each override over a base file of its services, which publishes exactly them', () => {
      const overrides = [...result.files!.keys()].filter((file) => file.startsWith('compose/'));
      expect(overrides.sort()).toEqual(Object.keys(fixture.compose).map((env) => `compose/docker-compose.portbook${suffix(env)}.yml`));
      for (const [env, services] of Object.entries(fixture.compose)) {
        const dir = temporaryDir('compose');
        const base = write(
          path.join(dir, 'compose.yaml'),
          `services:\n${Object.keys(services)
            .map((name) => `  ${name}:\n    image: busybox\n`)
            .join('')}`,
        );
        const override = path.join(out, `compose/docker-compose.portbook${suffix(env)}.yml`);
        expect(outcome(composeConfig([base, override], dir))).toEqual(ok);
        const shown = pyYaml([composeConfigShown([base, override], dir).stdout]).values[0] as { services: Record<string, { ports: string[] }> };
        expect(Object.fromEntries(Object.entries(shown.services).map(([name, service]) => [name, service.ports]))).toEqual(services);
      }
    });

    it('promtool accepts the targets (with a prometheus.yml that reads them) and the rules, and the blackbox exporter its modules', () => {
      const files = [...result.files!.keys()].filter((file) => file.startsWith('prometheus/targets/'));
      expect(files.sort()).toEqual(
        Object.keys(fixture.probes)
          .map((env) => `prometheus/targets/portbook${suffix(env)}.yml`)
          .sort(),
      );
      const rules = path.join(out, 'prometheus/portbook.rules.yml');
      const checked = promtoolCheckConfig([path.join(out, 'prometheus/targets/*.yml')], [rules], temporaryDir('prometheus'));
      expect(checked.status, checked.stdout + checked.stderr).toBe(0);
      expect(checked.stdout).toContain('SUCCESS: 3 rules found');
      expect(outcome(promtoolCheckRules(rules)).status).toBe(0);
      const modules = blackboxCheck(path.join(out, 'prometheus/blackbox.yml'));
      expect(modules.status, modules.stderr).toBe(0);
      expect(modules.stderr).toContain('Config file is ok');
      const groups = pyYaml(files.map((file) => read(file))).values as Array<Array<{ targets: string[] }>>;
      expect(Object.fromEntries(files.map((file, index) => [file, groups[index]!.length]))).toEqual(
        Object.fromEntries(Object.entries(fixture.probes).map(([env, count]) => [`prometheus/targets/portbook${suffix(env)}.yml`, count])),
      );
    });
  });

suite('apps.md: what each target says, as its consumer reads it', () => {
  let out = '';
  beforeAll(() => {
    ({ out } = generateText(readFileSync(path.join(seeds, 'apps.md'), 'utf8')));
  });

  it('Caddy: https sites with automatic TLS, http sites and redirects that keep the port, upstreams, the health check', () => {
    const adapted = caddyAdapt(path.join(out, 'caddy/portbook.caddyfile'), temporaryDir('caddy'));
    const servers = (adapted.json as { apps: { http: { servers: Record<string, { listen: string[]; routes: unknown[] }> } } }).apps.http.servers;
    const byPort = Object.fromEntries(Object.values(servers).map((server) => [server.listen.join(' '), JSON.stringify(server.routes)]));
    expect(Object.keys(byPort).sort()).toEqual([':443', ':80', ':8080', ':8443']);
    // the redirect keeps the site's own port; www is served on 80 itself, so it gets no redirect
    expect(byPort[':80']).toContain('"Location":["https://{http.request.host}:8443{http.request.uri}"]');
    expect(byPort[':80']).toContain('"Location":["https://{http.request.host}{http.request.uri}"]');
    expect(byPort[':80']).toContain('"host":["www.example.com"]');
    expect(byPort[':80']).toMatch(
      /"handler":"reverse_proxy","health_checks":\{"active":\{"uri":"\/health"\}\},"upstreams":\[\{"dial":"127\.0\.0\.1:18204"\}\]/,
    );
    expect(byPort[':8443']).toContain('"upstreams":[{"dial":"[::1]:18202"}]');
    expect(byPort[':8080']).toContain('"upstreams":[{"dial":"127.0.0.1:18201"}]');
    expect(byPort[':443']).toContain('"host":["*.tenants.example.com"]');
  });

  it('Prometheus: each probe with its module and labels, the wildcard domain left out', () => {
    const [groups] = pyYaml([readFileSync(path.join(out, 'prometheus/targets/portbook.yml'), 'utf8')]).values as [
      Array<{ targets: string[]; labels: Record<string, string> }>,
    ];
    expect(groups.map((group) => [group.targets, group.labels.__param_module, group.labels.portbook_probe, group.labels.service])).toEqual([
      [['api.example.com:443'], 'portbook_tls', 'endpoint', 'API'],
      [['https://api.example.com/healthz'], 'portbook_http_2xx', 'health', 'API'],
      [['live.example.com:8443'], 'portbook_tls', 'endpoint', 'Live'],
      [['www.example.com:80'], 'portbook_tcp', 'endpoint', 'Docs'],
      [['http://www.example.com/health'], 'portbook_http_2xx', 'health', 'Docs'],
      [['www.example.com:443'], 'portbook_tls', 'endpoint', 'Docs'],
      [['https://www.example.com/health'], 'portbook_http_2xx', 'health', 'Docs'],
      [['status.example.com:8080'], 'portbook_tcp', 'endpoint', 'API Metrics'],
    ]);
    expect(groups[0]!.labels).toEqual({
      __param_module: 'portbook_tls',
      portbook_probe: 'endpoint',
      service: 'API',
      environment: 'default',
      domain: 'api.example.com',
    });
  });
});

// ---------------------------------------------------------------- the consumers really check

suite('negative controls: each consumer check can fail', () => {
  it('caddy validate fails on an unknown directive, and on TLS on port 80', () => {
    const dir = temporaryDir('bad');
    const unknown = caddyValidate(write(path.join(dir, 'unknown.caddyfile'), 'http://a.example.com {\n\tbogus_directive on\n}\n'), dir);
    expect(unknown.status).not.toBe(0);
    expect(unknown.stderr).toContain('unrecognized directive: bogus_directive');
    const convention = caddyValidate(write(path.join(dir, 'convention.caddyfile'), 'https://a.example.com:80 {\n\trespond ok\n}\n'), dir);
    expect(convention.status).not.toBe(0);
    expect(convention.stderr).toContain('scheme and port violate convention');
  });

  it('Caddy expands {$NAME} inside a comment: why caddyComment breaks it up', () => {
    const dir = temporaryDir('env');
    const site = 'http://a.example.com {\n\trespond ok\n}\n';
    const evil = { EVIL: 'x\nhttp://evil.example.com {\n\trespond pwned\n}\n#' };
    const raw = caddyAdapt(write(path.join(dir, 'raw.caddyfile'), `# {$EVIL}\n${site}`), dir, evil);
    expect(raw.stdout).toContain('evil.example.com');
    const quoted = caddyAdapt(write(path.join(dir, 'quoted.caddyfile'), `# ${caddyComment('{$EVIL}')}\n${site}`), dir, evil);
    expect(quoted.status, quoted.stderr).toBe(0);
    expect(quoted.stdout).not.toContain('evil.example.com');
  });

  it('docker-compose config fails on an override naming a service the base file lacks, and on a port that is not one', () => {
    const dir = temporaryDir('bad');
    const base = write(path.join(dir, 'compose.yaml'), 'services:\n  api:\n    image: busybox\n');
    const missing = composeConfig([base, write(path.join(dir, 'missing.yml'), 'services:\n  "web":\n    ports:\n      - "127.0.0.1:1:1"\n')], dir);
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain('Service web has neither an image nor a build context specified');
    const port = composeConfig([base, write(path.join(dir, 'port.yml'), 'services:\n  "api":\n    ports:\n      - "127.0.0.1:x:1"\n')], dir);
    expect(port.status).not.toBe(0);
    expect(port.stderr).toContain('services.api.ports contains an invalid type');
  });

  it('promtool fails on a target file with a bad label name and on a bad rule; the blackbox exporter on an unknown key', () => {
    const dir = temporaryDir('bad');
    const targetsFile = write(path.join(dir, 'targets.yml'), '- targets: ["a:1"]\n  labels:\n    "bad-label": "x"\n');
    const rules = write(path.join(dir, 'rules.yml'), 'groups:\n  - name: x\n    rules:\n      - alert: X\n        expr: probe_success ==\n');
    const config = promtoolCheckConfig([targetsFile], [], temporaryDir('prometheus'));
    expect(config.status).not.toBe(0);
    expect(config.stdout + config.stderr).toContain('"bad-label" is not a valid label name');
    const checked = promtoolCheckRules(rules);
    expect(checked.status).not.toBe(0);
    expect(checked.stdout + checked.stderr).toContain('parse error');
    const modules = blackboxCheck(write(path.join(dir, 'blackbox.yml'), 'modules:\n  x:\n    prober: tcp\n    bogus: 1\n'));
    expect(modules.status).not.toBe(0);
    expect(modules.stderr).toContain('field bogus not found');
  });
});

// ---------------------------------------------------------------- reading the project's compose files

/** A compose file in every shape of `ports:` the reader follows, and some it must not take for ports. */
const projectCompose = `# the project's own compose file
x-logging: &logging
  driver: json-file
services:
  api:
    image: busybox
    logging: *logging
    ports:
      - "8000:8000"            # all interfaces
      - 8001:8001
      - '127.0.0.1:8002:8002'
      - "0.0.0.0:8003:8003"
      - "8004"                 # a port Docker chooses
      - "8005-8006:8005-8006"
      - "[::]:8007:8007"
      - "[::1]:8008:8008"
      - "8009:8009/udp"
      - target: 8010
        published: 8010
        protocol: tcp
      - target: 80
        published: "8011"
    command: |
      ports:
        - "9999:9999"
  web:
    image: busybox
    ports: ["8012:8012", '127.0.0.1:8013:8013']
  db:
    image: busybox
    ports:
    - "8014:8014"
    expose:
      - "8015"
`;

describe('the compose file reader', () => {
  it('reads each published port with its address, its service and its line', () => {
    const shown = composePublications(projectCompose).map(
      (publication) => `${publication.line} ${publication.service} ${publication.hostIp ?? '*'} ${publication.from}-${publication.to} ${publication.text}`,
    );
    expect(shown).toEqual([
      '9 api * 8000-8000 "8000:8000"',
      '10 api * 8001-8001 8001:8001',
      "11 api 127.0.0.1 8002-8002 '127.0.0.1:8002:8002'",
      '12 api 0.0.0.0 8003-8003 "0.0.0.0:8003:8003"',
      '14 api * 8005-8006 "8005-8006:8005-8006"',
      '15 api :: 8007-8007 "[::]:8007:8007"',
      '16 api ::1 8008-8008 "[::1]:8008:8008"',
      '17 api * 8009-8009 "8009:8009/udp"',
      '18 api * 8010-8010 published: 8010',
      '21 api * 8011-8011 published: 8011',
      '28 web * 8012-8012 "8012:8012"',
      "28 web 127.0.0.1 8013-8013 '127.0.0.1:8013:8013'",
      '32 db * 8014-8014 "8014:8014"',
    ]);
    expect(
      composePublications(projectCompose)
        .filter(onAllInterfaces)
        .map((publication) => publication.loopback),
    ).toEqual([
      '127.0.0.1:8000:8000',
      '127.0.0.1:8001:8001',
      '127.0.0.1:8003:8003',
      '127.0.0.1:8005-8006:8005-8006',
      '127.0.0.1:8007:8007',
      '127.0.0.1:8009:8009/udp',
      'host_ip: 127.0.0.1',
      'host_ip: 127.0.0.1',
      '127.0.0.1:8012:8012',
      '127.0.0.1:8014:8014',
    ]);
  });

  it.skipIf(skipAppConsumers)('agrees with docker-compose on every host port the file publishes, and on its address', () => {
    const dir = temporaryDir('compose');
    const file = write(path.join(dir, 'compose.yaml'), projectCompose);
    const shown = composeConfigShown([file], dir);
    expect(shown.status, shown.stderr).toBe(0);
    const services = (pyYaml([shown.stdout]).values[0] as { services: Record<string, { ports?: Array<string | { published?: number }> }> }).services;
    const fromCompose = Object.entries(services).flatMap(([service, { ports = [] }]) =>
      ports.flatMap((port) => {
        if (typeof port !== 'string') return port.published === undefined ? [] : [`${service} * ${port.published}`];
        const match = /^(.*):(\d+):\d+\/\w+$/.exec(port);
        return match ? [`${service} ${match[1] === '' || match[1] === '0.0.0.0' || match[1] === '::' ? '*' : match[1]} ${match[2]}`] : [];
      }),
    );
    const fromReader = composePublications(projectCompose).flatMap((publication) =>
      Array.from(
        { length: publication.to - publication.from + 1 },
        (_, offset) => `${publication.service} ${onAllInterfaces(publication) ? '*' : publication.hostIp} ${publication.from + offset}`,
      ),
    );
    expect(fromReader.sort()).toEqual(fromCompose.sort());
  });
});

// ---------------------------------------------------------------- compose-publishes-all-interfaces, end to end

describe('compose-publishes-all-interfaces in a project', () => {
  const registry = [
    '| Service | Port | Protocol |',
    '|---|---|---|',
    '| API | 18300 | HTTP |',
    '| Worker | 18301 | TCP |',
    '',
    '## External Access',
    '',
    '| Domain | SSL | Proxy Target |',
    '|---|---|---|',
    '| api.example.com | yes | 127.0.0.1:18300 |',
    '',
  ].join('\n');
  const project = (compose: string): string => {
    const dir = writeProject(temporaryDir('rule'), registry);
    write(path.join(dir, 'docker-compose.yml'), compose);
    return dir;
  };

  it('warns at the registered port for each publication on every interface, naming the compose file, its line and the fix', () => {
    const dir = project(
      [
        'services:',
        '  api:',
        '    ports:',
        '      - "18300:8000"',
        '      - "127.0.0.1:18301:18301"',
        '  proxy:',
        '    ports: ["80:80", "443:443"]',
        '  worker:',
        '    ports:',
        '      - target: 18301',
        '        published: 18301',
        '',
      ].join('\n'),
    );
    const result = runCli(['gen'], dir);
    expect(result.code).toBe(0);
    const warnings = result.stderr.split('\n').filter((line) => line.endsWith('compose-publishes-all-interfaces'));
    expect(warnings).toEqual([
      'docs/PORTS.md:3:9 warning Unexpected `"18300:8000"` in docker-compose.yml (line 4, service `api`), expected it on loopback, such as `127.0.0.1:18300:8000`: ' +
        "Docker publishes port 18300 (`API`) on every interface, past ufw and nftables; write that there, or remove it and use the compose target's override compose-publishes-all-interfaces",
      'docs/PORTS.md:4:12 warning Unexpected `published: 18301` in docker-compose.yml (line 10, service `worker`), expected it on loopback, such as `host_ip: 127.0.0.1`: ' +
        "Docker publishes port 18301 (`Worker`) on every interface, past ufw and nftables; write that there, or remove it and use the compose target's override compose-publishes-all-interfaces",
    ]);
  });

  it('says nothing of publications on loopback, of unregistered ports, or of the ports the sites listen on', () => {
    const dir = project('services:\n  api:\n    ports:\n      - "127.0.0.1:18300:8000"\n      - "9000:9000"\n      - "443:443"\n      - "[::1]:18301:1"\n');
    const result = runCli(['gen'], dir);
    expect(result.code).toBe(0);
    expect(result.stderr).not.toContain('compose-publishes-all-interfaces');
  });

  it('reads the compose file again when it changes, rather than replaying the warning the last run kept', () => {
    const dir = project('services:\n  api:\n    ports:\n      - "18300:8000"\n');
    expect(runCli(['gen'], dir).stderr).toContain('compose-publishes-all-interfaces');
    const capture = { stdout: (): void => undefined, stderr: (): void => undefined, cwd: dir };
    expect(fastPath(['check'], capture)).toBe(0);
    write(path.join(dir, 'docker-compose.yml'), 'services:\n  api:\n    ports:\n      - "127.0.0.1:18300:8000"\n');
    expect(fastPath(['check'], capture)).toBeUndefined();
    const checked = runCli(['check'], dir);
    expect(checked.stderr).not.toContain('compose-publishes-all-interfaces');
  });
});

// ---------------------------------------------------------------- quoting

describe('the quoting helpers of the caddy, compose and prometheus targets', () => {
  it('caddyComment keeps one line and breaks up {$NAME}; caddyToken refuses what is not one bare token', () => {
    expect(caddyComment('a {$HOME} and {$X:y}\n} import x')).toBe('a { $HOME} and { $X:y} } import x');
    expect(caddyToken('https://api.example.com:8443')).toBe('https://api.example.com:8443');
    expect(caddyToken('http://[::1]:8000')).toBe('http://[::1]:8000');
    for (const bad of ['a b', 'a{b', '{$HOME}', '#x', 'a"b', 'a\\b', '', 'x\ny', '{host}']) expect(() => caddyToken(bad), bad).toThrow(/caddyToken: refusing/);
  });

  it('yamlString writes any text as plain ASCII; yamlComment keeps one line YAML accepts', () => {
    expect(yamlString('Café "API" \\ 𝕏 \u0085\u2028\ud800')).toBe('"Caf\\u00E9 \\"API\\" \\\\ \\U0001D54F \\u0085\\u2028\\uFFFD"');
    expect(yamlComment('a\u0085b\u2028c\ufffed\uffff\ud800')).toBe('a b c\ufffdd\ufffd\ufffd');
  });

  it.skipIf(skipAppConsumers)('yamlString round-trips arbitrary text through PyYAML, as docker-compose reads it', () => {
    const samples = fc.sample(fc.string({ unit: 'binary', maxLength: 40 }), { numRuns: 300, seed: 21 });
    const read = pyYaml(samples.map((text) => `value: ${yamlString(text)}\n`));
    expect(read.status, read.stderr).toBe(0);
    // lone surrogates cannot be written as UTF-8: they come back as U+FFFD
    const wellFormed = (text: string): string => text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
    expect(read.values).toEqual(samples.map((text) => ({ value: wellFormed(text) })));
  });
});

describe('what the caddy target cannot write', () => {
  it('stops with an error naming the row when it asks for TLS on port 80, which Caddy refuses', () => {
    const dir = writeProject(
      temporaryDir('convention'),
      '| Service | Port | Protocol |\n|---|---|---|\n| Web | 18400 | HTTP |\n\n| Domain | Port | SSL | Proxy Target |\n|---|---|---|---|\n| odd.example.com | 80 | yes | 127.0.0.1:18400 |\n',
    );
    write(path.join(dir, 'portbook.config.json'), JSON.stringify({ targets: ['caddy'] }));
    const result = runCli(['gen'], dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('listen-port-unusual');
    expect(result.stderr).toContain(
      'The caddy target cannot write odd.example.com: Caddy serves port 80 only without TLS; serve it on 443, or turn its SSL off (listen-port-unusual), or leave caddy out of `targets`',
    );
    expect(existsSync(path.join(dir, 'generated'))).toBe(false);
  });
});
