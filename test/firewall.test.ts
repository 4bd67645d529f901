/**
 * The firewall and kernel targets (nftables, ufw, sysctl) and what they
 * share: the public port set (registry/queries.ts publicPorts), the Exposure
 * column that marks a service public, the ephemeral range. Their real
 * consumers run in firewall-consumers.test.ts.
 *
 * The public port set is one answer for every target that opens or listens
 * on public ports: the test below holds the firewall outputs to what the
 * front proxies' outputs listen on, parsed from the files themselves.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defaultRenderOptions, type RenderOptions, renderOptionsFrom } from '../src/config/load.js';
import { extract } from '../src/extract/index.js';
import { read } from '../src/read/index.js';
import { linuxEphemeralRange, publicPorts, transportsOf } from '../src/registry/queries.js';
import type { Registry } from '../src/registry/types.js';
import { render } from '../src/render/index.js';
import { loadTemplates } from '../src/render/templates.js';
import { targetIds } from '../src/targets/index.js';
import { nftCommentLimit, nftString } from '../src/targets/nftables.js';
import { mergeSpans, sysctlView } from '../src/targets/sysctl.js';
import { ufwComment, ufwCommentLimit } from '../src/targets/ufw.js';
import { validate } from '../src/validate/index.js';

const seeds = new URL('./fixtures/seeds/', import.meta.url);
const seed = (name: string): string => readFileSync(new URL(name, seeds), 'utf8');

function registryOf(markdown: string): Registry {
  const source = read(new TextEncoder().encode(markdown), 'docs/PORTS.md');
  const registry = extract(source);
  validate(registry, source.file);
  expect(source.file.messages.filter((message) => message.fatal).map((message) => message.reason)).toEqual([]);
  return registry;
}

const firewallTargets: RenderOptions['targets'] = ['nginx', 'nftables', 'ufw', 'sysctl'];

function renderWith(markdown: string, options: Partial<RenderOptions> = {}): Map<string, string> {
  const registry = registryOf(markdown);
  return render({
    registry,
    options: { ...defaultRenderOptions, targets: firewallTargets, ...options },
    templates: loadTemplates(undefined),
    source: 'docs/PORTS.md',
  });
}

/** `port/transport` of each element of an nft set in a generated file. */
function nftSet(file: string, set: string): string[] {
  const body = new RegExp(`set ${set} \\{\\n([\\s\\S]*?)\\n {4}\\}`).exec(file)?.[1];
  if (body === undefined) throw new Error(`no set ${set} in\n${file}`);
  const transport = set.endsWith('udp') ? 'udp' : 'tcp';
  return [...body.matchAll(/^ {12}(\d+) comment "[^"]*",$/gm)].map((match) => `${match[1]}/${transport}`);
}

/** `port/transport` of each `ufw allow` line of a generated script. */
const ufwPorts = (file: string): string[] => [...file.matchAll(/^ufw allow (\d+\/(?:tcp|udp)) comment '[^']*'$/gm)].map((match) => match[1]!);

// ---------------------------------------------------------------- the public port set

describe('publicPorts', () => {
  it("is the Creator Suite's 80 (the redirects) and 443 (its two domains), each with the rows that make it public", () => {
    expect(publicPorts(registryOf(seed('creator-suite.md')))).toEqual([
      {
        port: 80,
        transport: 'tcp',
        reasons: [
          { kind: 'redirect', domain: 'video.destinpq.com', environment: 'default' },
          { kind: 'redirect', domain: 'video-api.destinpq.com', environment: 'default' },
        ],
      },
      {
        port: 443,
        transport: 'tcp',
        reasons: [
          { kind: 'site', domain: 'video.destinpq.com', service: 'Creator Suite Frontend', environment: 'default' },
          { kind: 'site', domain: 'video-api.destinpq.com', service: 'Creator Suite API', environment: 'default' },
        ],
      },
    ]);
  });

  it('adds services marked public over their transports, per environment or all of them', () => {
    const registry = registryOf(seed('firewall.md'));
    const brief = (environment?: string): string[] => publicPorts(registry, environment).map(({ port, transport }) => `${port}/${transport}`);
    expect(brief('default')).toEqual(['22/tcp', '80/tcp', '443/tcp', '8443/tcp', '27015/tcp', '27015/udp', '40100/udp']);
    expect(brief('production')).toEqual(['80/tcp', '443/tcp', '27015/udp']);
    expect(brief('staging')).toEqual([]);
    expect(brief()).toEqual(['22/tcp', '80/tcp', '443/tcp', '8443/tcp', '27015/tcp', '27015/udp', '40100/udp']);
    expect(publicPorts(registry, 'default').find((entry) => entry.port === 80)?.reasons).toEqual([
      { kind: 'site', domain: 'plain.example.com', service: 'Web', environment: 'default' },
      { kind: 'redirect', domain: 'shop.example.com', environment: 'default' },
      { kind: 'redirect', domain: 'live.example.com', environment: 'default' },
    ]);
  });

  it('leaves out a domain nginx does not serve (its service speaks PostgreSQL), and a service whose Exposure says internal or nothing', () => {
    const registry = registryOf(
      [
        '| Service | Port | Protocol | Exposure |',
        '|---|---|---|---|',
        '| Database | 16432 | PostgreSQL | internal |',
        '| Web | 16080 | HTTP | |',
        '',
        '| Domain | Port | SSL | Proxy Target |',
        '|---|---|---|---|',
        '| db.example.com | 5432 | no | 127.0.0.1:16432 |',
        '',
      ].join('\n'),
    );
    expect(publicPorts(registry)).toEqual([]);
  });

  it('reads the transport from the Protocol cell: UDP alone, TCP and UDP, or TCP for everything else', () => {
    const of = (protocol: string | undefined) =>
      transportsOf(protocol === undefined ? {} : { protocol: { value: protocol, text: protocol, position: { line: 1, column: 1 } } });
    expect([of('UDP'), of('udp'), of('TCP/UDP'), of('DNS (UDP, TCP)'), of('HTTP'), of('QUIC'), of(undefined), of('Budp')]).toEqual([
      ['udp'],
      ['udp'],
      ['tcp', 'udp'],
      ['tcp', 'udp'],
      ['tcp'],
      ['tcp'],
      ['tcp'],
      ['tcp'],
    ]);
  });
});

describe('the Exposure column', () => {
  it('reads public and internal from its first word, and keeps what it cannot read for exposure-invalid', () => {
    const registry = extract(
      read(
        new TextEncoder().encode(
          [
            '| Service | Port | Exposure |',
            '|---|---|---|',
            '| A | 1 | Public (players) |',
            '| B | 2 | ✅ |',
            '| C | 3 | internal only |',
            '| D | 4 | ❌ |',
            '| E | 5 | maybe |',
            '| F | 6 | |',
          ].join('\n'),
        ),
        'PORTS.md',
      ),
    );
    expect(registry.services.map((service) => service.exposure?.value ?? (service.exposure ? 'unreadable' : 'absent'))).toEqual([
      'public',
      'public',
      'internal',
      'internal',
      'unreadable',
      'absent',
    ]);
  });
});

/**
 * The front proxies whose outputs listen on the public ports: each parses the
 * ports one environment's file listens on: nginx's `listen` lines, the
 * Caddyfile's site addresses (a front proxy target without an entry here fails
 * the test below).
 */
const frontProxies: Record<string, { file: (environment: string) => string; listens: (file: string) => number[] }> = {
  nginx: {
    file: (environment) => `nginx/portbook${environment === 'default' ? '' : `.${environment}`}.conf`,
    listens: (file) => [...file.matchAll(/^\s*listen (?:\[::\]:)?(\d+)[ ;]/gm)].map((match) => Number(match[1])),
  },
  caddy: {
    file: (environment) => `caddy/portbook${environment === 'default' ? '' : `.${environment}`}.caddyfile`,
    // each site address: `https://host` listens on 443, `http://host` on 80, unless it names its port
    listens: (file) =>
      [...file.matchAll(/^(https?):\/\/[^\s:{]+(?::(\d+))? \{$/gm)].map((match) => (match[2] ? Number(match[2]) : match[1] === 'https' ? 443 : 80)),
  },
};

describe('the public port set in nftables and ufw', () => {
  it('has an entry for every front proxy target portbook has', () => {
    expect(targetIds.filter((id) => ['nginx', 'caddy'].includes(id) && !Object.hasOwn(frontProxies, id))).toEqual([]);
  });

  // the services each seed marks public, per environment: the ports a firewall opens that no proxy listens on
  const cases: Array<[string, Record<string, string[]>]> = [
    ['creator-suite.md', { default: [] }],
    ['nginx-sites.md', { default: [], production: [] }],
    ['firewall.md', { default: ['22/tcp', '27015/tcp', '27015/udp', '40100/udp'], production: ['27015/udp'] }],
  ];

  describe.each(Object.entries(frontProxies))('equals what %s listens on, with the services marked public', (proxy, { file, listens }) => {
    it.each(cases)('%s', (name, marked) => {
      const files = renderWith(seed(name), { targets: [...firewallTargets, proxy as RenderOptions['targets'][number]] });
      for (const [environment, own] of Object.entries(marked)) {
        const listened = new Set(listens(files.get(file(environment))!).map((port) => `${port}/tcp`));
        const expected = [...new Set([...listened, ...own])].sort();
        const nftFile = files.get(`nftables/portbook${environment === 'default' ? '' : `.${environment}`}.nft`)!;
        const nft = [...nftSet(nftFile, 'public_tcp'), ...nftSet(nftFile, 'public_udp')].sort();
        const ufw = ufwPorts(files.get(`ufw/portbook${environment === 'default' ? '' : `.${environment}`}.sh`)!).sort();
        expect(nft, `${name} ${environment}: nftables`).toEqual(expected);
        expect(ufw, `${name} ${environment}: ufw`).toEqual(expected);
      }
    });
  });
});

// ---------------------------------------------------------------- nftables

describe('nftables', () => {
  it('accepts the public set and drops every other registered port, each commented with its service, per environment', () => {
    const files = renderWith(seed('firewall.md'));
    const file = files.get('nftables/portbook.nft')!;
    expect(nftSet(file, 'internal_tcp')).toEqual(['6379/tcp', '18100/tcp', '18101/tcp', '45000/tcp']);
    expect(nftSet(file, 'internal_udp')).toEqual([]);
    expect(file).toContain('            22 comment "SSH",\n');
    expect(file).toContain('            80 comment "plain.example.com (Web); redirect to https: shop.example.com, live.example.com",\n');
    expect(file).toContain('            6379 comment "internal port (security note)",\n');
    expect(file).toContain('            27015 comment "Game Server",\n');
    expect(file).toContain(
      [
        '        type filter hook input priority filter; policy accept;',
        '        iif "lo" accept',
        '        ct state established,related accept',
        '        tcp dport @public_tcp accept',
        '        udp dport @public_udp accept',
        '        tcp dport @internal_tcp drop',
        '        udp dport @internal_udp drop',
      ].join('\n'),
    );
    // the file replaces the table, and only it: loading it twice or after an older version leaves one table
    expect(file).toMatch(/^table inet portbook\ndelete table inet portbook\n\ntable inet portbook \{$/m);
    expect(nftSet(files.get('nftables/portbook.production.nft')!, 'internal_tcp')).toEqual(['6379/tcp', '19100/tcp']);
  });

  it('with policy drop, accepts only the public ports, loopback, established traffic and ICMP', () => {
    const file = renderWith(seed('creator-suite.md'), { nftables: { policy: 'drop' } }).get('nftables/portbook.nft')!;
    expect(file).toContain(
      'policy drop;\n        iif "lo" accept\n        ct state established,related accept\n        meta l4proto { icmp, ipv6-icmp } accept\n',
    );
    expect(renderWith(seed('creator-suite.md')).get('nftables/portbook.nft')).not.toContain('icmp');
  });

  it('keeps a comment to an alphabet nft reads as text, whatever the cell holds, and to its length limit', () => {
    expect(nftString('Creator Suite API (video.example.com)')).toBe('"Creator Suite API (video.example.com)"');
    expect(nftString('Admin"; }; chain x { accept; #')).toBe('"Admin_; _; chain x _ accept; _"');
    expect(nftString('line\nbreak\u2028and\ttab')).toBe('"line break and tab"');
    expect(nftString('Café Straße 𝕏 \u202e')).toBe('"Cafe Stra_e X _"');
    expect(nftString('$(reboot) `x` \\')).toBe('"_(reboot) _x_ _"');
    const long = nftString('x'.repeat(300));
    expect(long).toBe(`"${'x'.repeat(nftCommentLimit - 3)}..."`);
    expect(long.length - 2).toBe(nftCommentLimit);
  });
});

// ---------------------------------------------------------------- ufw

describe('ufw', () => {
  it('writes one allow line per public port and transport, with a `portbook:` comment in single quotes', () => {
    const file = renderWith(seed('firewall.md')).get('ufw/portbook.sh')!;
    expect(file.split('\n').filter((line) => line !== '' && !line.startsWith('#'))).toEqual([
      'set -e',
      "ufw allow 22/tcp comment 'portbook: SSH'",
      "ufw allow 80/tcp comment 'portbook: plain.example.com (Web); redirect to https: shop.example.com, live.example.com'",
      "ufw allow 443/tcp comment 'portbook: shop.example.com (Web)'",
      "ufw allow 8443/tcp comment 'portbook: live.example.com (Live)'",
      "ufw allow 27015/tcp comment 'portbook: Game Server'",
      "ufw allow 27015/udp comment 'portbook: Game Server'",
      "ufw allow 40100/udp comment 'portbook: Voice'",
    ]);
  });

  it("keeps a comment free of the `'` ufw refuses, inert for sh, and to its length limit", () => {
    expect(ufwComment('it\'s $(reboot) `x`; \\ "q"')).toBe('\'portbook: it_s $(reboot) `x`; _ "q"\'');
    expect(ufwComment('Café\nnext\u2028line \u202e')).toBe("'portbook: Cafe next line _'");
    const long = ufwComment('y'.repeat(300));
    expect(long.length - 2).toBe(ufwCommentLimit);
    expect(long.endsWith("...'")).toBe(true);
  });
});

// ---------------------------------------------------------------- sysctl

describe('sysctl', () => {
  it('reserves the ranges whole and the listeners inside the ephemeral range, merged as the kernel prints them', () => {
    const file = renderWith(seed('firewall.md')).get('sysctl.d/60-portbook.conf')!;
    expect(file).toMatch(/^net\.ipv4\.ip_local_reserved_ports = 18100-18199,40100-40109,45000$/m);
    expect(file).toContain('#   40100-40109: Voice Range (reserved range)\n#   45000: Metrics\n');
    expect(file.split('\n').filter((line) => line !== '' && !line.startsWith('#'))).toHaveLength(1);
  });

  it("follows sysctl.ephemeralRange, never the host's own range", () => {
    const registry = registryOf(seed('firewall.md'));
    expect(sysctlView(registry, { ephemeralRange: { from: 20000, to: 30000 } }).value).toBe('18100-18199,27015,40100-40109');
    expect(sysctlView(registry, { ephemeralRange: linuxEphemeralRange }).value).toBe('18100-18199,40100-40109,45000');
  });

  it('says so, and sets nothing, when there is nothing to reserve', () => {
    const file = renderWith('| Service | Port |\n|---|---|\n| API | 16000 |\n').get('sysctl.d/60-portbook.conf')!;
    expect(file).toContain('# Nothing to reserve');
    expect(file).not.toContain('net.ipv4');
  });

  it('refuses a reservation that would take half the ephemeral range or more', () => {
    const registry = registryOf('| Service | Port |\n|---|---|\n| API | 16000 |\n\n## Reserved Port Ranges\n\n- **Everything**: `30000-50000`\n');
    expect(() => sysctlView(registry, { ephemeralRange: linuxEphemeralRange })).toThrow(
      /^The sysctl target would reserve 17233 of the 28232 ports of the ephemeral range 32768-60999 \(30000-50000\), leaving outgoing connections too few local ports: /,
    );
  });

  it('merges spans that overlap or touch', () => {
    expect(
      mergeSpans([
        { from: 10, to: 12 },
        { from: 1, to: 3 },
        { from: 4, to: 4 },
        { from: 11, to: 20 },
        { from: 30, to: 30 },
      ]),
    ).toEqual([
      { from: 1, to: 4 },
      { from: 10, to: 20 },
      { from: 30, to: 30 },
    ]);
  });
});

// ---------------------------------------------------------------- config

describe('the config of the firewall targets', () => {
  it('are off by default, and read nftables.policy and sysctl.ephemeralRange', () => {
    expect(defaultRenderOptions.targets.filter((id) => ['nftables', 'ufw', 'sysctl'].includes(id))).toEqual([]);
    expect(defaultRenderOptions.nftables).toEqual({ policy: 'accept' });
    expect(defaultRenderOptions.sysctl).toEqual({ ephemeralRange: { from: 32768, to: 60999 } });
    const options = renderOptionsFrom({ nftables: { policy: 'drop' }, sysctl: { ephemeralRange: '1024-65535' } }, 'c.json');
    expect([options.nftables, options.sysctl]).toEqual([{ policy: 'drop' }, { ephemeralRange: { from: 1024, to: 65535 } }]);
  });

  it.each<[Record<string, unknown>, string]>([
    [{ nftables: { policy: 'reject' } }, '`nftables.policy` must be "accept"'],
    [{ nftables: { chain: 'input' } }, 'unknown setting `nftables.chain`; known: policy'],
    [{ sysctl: { ephemeralRange: '60999-32768' } }, '`sysctl.ephemeralRange` must be'],
    [{ sysctl: { ephemeralRange: [32768, 60999] } }, '`sysctl.ephemeralRange` must be'],
    [{ sysctl: { ephemeralRange: '0-100' } }, '`sysctl.ephemeralRange` must be'],
    [{ sysctl: { ephemeralRange: '1-70000' } }, '`sysctl.ephemeralRange` must be'],
  ])('refuses %j', (raw, message) => {
    expect(() => renderOptionsFrom(raw, 'c.json')).toThrow(message);
  });
});
