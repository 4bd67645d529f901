/**
 * The firewall and kernel outputs, read by their real consumers without
 * touching the host: nft checks and loads the rulesets in a private network
 * namespace, ufw runs every line of its script with --dry-run against a state
 * directory of its own, sysctl applies the file in a private network
 * namespace and the kernel's value is read back there. Expected values are
 * written out literally, independently of the renderer.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generate } from '../src/index.js';
import { run } from './consumers.js';
import { asRoot, nft, nftCheck, nftLoadAndList, skipFirewallConsumers, sysctlApply, ufwDryRun, ufwState, warnIfFirewallSkipped } from './firewall-consumers.js';
import { fileTemporaryDirs } from './helpers.js';

warnIfFirewallSkipped('firewall-consumers.test.ts');

const seeds = new URL('./fixtures/seeds/', import.meta.url).pathname;
const temporaryDir = fileTemporaryDirs('firewall');

/** Generate a seed with the three targets (and nginx) into a fresh directory; returns the output directory. */
function generateSeed(seed: string, config: Record<string, unknown> = {}): string {
  const dir = temporaryDir('out');
  writeFileSync(path.join(dir, 'PORTS.md'), readFileSync(path.join(seeds, seed)));
  writeFileSync(path.join(dir, 'portbook.config.json'), JSON.stringify({ targets: ['nginx', 'nftables', 'ufw', 'sysctl'], ...config }));
  const result = generate({ source: 'PORTS.md', out: 'out', cwd: dir });
  expect(result.diagnostics.filter((message) => message.fatal).map((message) => message.reason)).toEqual([]);
  return path.join(dir, 'out');
}

/** What the host's firewall and kernel hold, to compare before and after: its nft ruleset (root only), reserved ports, /etc/ufw and /lib/ufw as stat sees them. */
function hostState(): string {
  const stats = ['/etc/ufw', '/lib/ufw']
    .filter((dir) => existsSync(dir))
    .flatMap((dir) => readdirSync(dir).map((name) => path.join(dir, name)))
    .map((file) => `${file} ${statSync(file).size} ${statSync(file).mtimeMs}`);
  const ruleset = asRoot ? run(nft, ['list', 'ruleset']).stdout : '(not root: the host ruleset cannot be read, nor changed)';
  return [ruleset, readFileSync('/proc/sys/net/ipv4/ip_local_reserved_ports', 'utf8'), ...stats].join('\n');
}

/** Every file under `dir` with the SHA-256 of its bytes. */
function digest(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => {
        const file = path.join(entry.parentPath, entry.name);
        return [path.relative(dir, file), createHash('sha256').update(readFileSync(file)).digest('hex')];
      }),
  );
}

const suite = skipFirewallConsumers ? describe.skip : describe;
const host = hostState();

suite('nft, in a private network namespace', () => {
  it.each<[string, string, Record<string, unknown>, string[]]>([
    ['creator-suite.md', 'nftables/portbook.nft', {}, ['80', '443']],
    ['creator-suite.md', 'nftables/portbook.nft', { nftables: { policy: 'drop' } }, ['80', '443']],
    ['firewall.md', 'nftables/portbook.nft', {}, ['22', '80', '443', '8443', '27015']],
    ['firewall.md', 'nftables/portbook.production.nft', {}, ['80', '443']],
  ])('%s %s %j: nft -c accepts it, and nft -f loads it (twice) as one table inet portbook', (seed, file, config, publicTcp) => {
    const ruleset = path.join(generateSeed(seed, config), file);
    expect({ ...nftCheck(ruleset), stdout: '' }).toEqual({ status: 0, stdout: '', stderr: '' });
    if (asRoot) expect(run(nft, ['-c', '-f', ruleset]), 'nft -c -f on the host: checked, loaded nowhere').toMatchObject({ status: 0, stderr: '' });
    const loaded = nftLoadAndList(ruleset);
    expect(loaded.stderr).toBe('');
    expect(loaded.status).toBe(0);
    const listed = /set public_tcp \{[^}]*elements = \{([^}]*)\}/.exec(loaded.stdout)?.[1] ?? '';
    expect([...listed.matchAll(/(\d+) comment/g)].map((match) => match[1])).toEqual(publicTcp);
    expect(loaded.stdout).toContain(`policy ${(config.nftables as { policy?: string } | undefined)?.policy ?? 'accept'};`);
    // loaded twice: still one table, so reloading an edited file replaces it
    expect(loaded.stdout.match(/^table inet portbook$/gm)).toHaveLength(1);
  });

  it('refuses a hand-broken copy: a port out of range, or a comment that escapes its quotes', () => {
    const ruleset = readFileSync(path.join(generateSeed('firewall.md'), 'nftables/portbook.nft'), 'utf8');
    const dir = temporaryDir('broken');
    const badPort = path.join(dir, 'bad-port.nft');
    writeFileSync(badPort, ruleset.replace('            8443 comment', '            70000 comment'));
    const refused = nftCheck(badPort);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('70000');
    const escaped = path.join(dir, 'escaped.nft');
    writeFileSync(escaped, ruleset.replace('22 comment "SSH",', '22 comment "SSH" }; chain x { accept'));
    expect(nftCheck(escaped).status).toBe(1);
  });
});

suite('ufw --dry-run, against a state directory of its own', () => {
  /** `port proto comment` of each rule a dry run printed (IPv4 tuples), with the comment decoded from ufw's hex. */
  const tuples = (stdout: string): string[] =>
    [...stdout.matchAll(/^### tuple ### allow (tcp|udp) (\d+) 0\.0\.0\.0\/0 any 0\.0\.0\.0\/0 in comment=([0-9a-f]*)$/gm)].map(
      ([, proto, port, hex]) => `${port}/${proto} ${Buffer.from(hex!, 'hex').toString('utf8')}`,
    );

  it.each<[string, string, string[]]>([
    [
      'creator-suite.md',
      'ufw/portbook.sh',
      [
        '80/tcp portbook: redirect to https: video.destinpq.com, video-api.destinpq.com',
        '443/tcp portbook: video.destinpq.com (Creator Suite Frontend), video-api.destinpq.com (Creator Suite API)',
      ],
    ],
    [
      'firewall.md',
      'ufw/portbook.sh',
      [
        '22/tcp portbook: SSH',
        '80/tcp portbook: plain.example.com (Web); redirect to https: shop.example.com, live.example.com',
        '443/tcp portbook: shop.example.com (Web)',
        '8443/tcp portbook: live.example.com (Live)',
        '27015/tcp portbook: Game Server',
        '27015/udp portbook: Game Server',
        '40100/udp portbook: Voice',
      ],
    ],
    [
      'firewall.md',
      'ufw/portbook.production.sh',
      ['80/tcp portbook: redirect to https: shop.prod.example.com', '443/tcp portbook: shop.prod.example.com (Web)', '27015/udp portbook: Game Server'],
    ],
  ])('%s %s: every line passes, as the rule and comment written, and nothing is written', (seed, file, rules) => {
    const script = path.join(generateSeed(seed), file);
    const state = ufwState(temporaryDir('ufw'));
    const before = digest(state);
    const result = ufwDryRun(script, state);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).not.toMatch(/ERROR/);
    expect(tuples(result.stdout)).toEqual(rules);
    // one "Rules updated" per line of the script: each was run, none stopped the script
    expect(result.stdout.match(/^Rules updated$/gm)).toHaveLength(rules.length);
    expect(digest(state)).toEqual(before);
  });

  it('fails on a hand-broken line: a port out of range', () => {
    const dir = temporaryDir('ufw-broken');
    const script = path.join(dir, 'broken.sh');
    writeFileSync(script, "set -e\nufw allow 70000/tcp comment 'portbook: broken'\n");
    const result = ufwDryRun(script, ufwState(dir));
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('Bad port');
  });
});

suite('sysctl -p, in a private network namespace', () => {
  it.each<[string, Record<string, unknown>, string]>([
    ['creator-suite.md', {}, '16532-17354,18938-18948'],
    ['firewall.md', {}, '18100-18199,40100-40109,45000'],
    ['firewall.md', { sysctl: { ephemeralRange: '20000-30000' } }, '18100-18199,27015,40100-40109'],
  ])('%s %j: the kernel takes the value and reads it back as written', (seed, config, reserved) => {
    const file = path.join(generateSeed(seed, config), 'sysctl.d/60-portbook.conf');
    expect(readFileSync(file, 'utf8')).toContain(`net.ipv4.ip_local_reserved_ports = ${reserved}\n`);
    const applied = sysctlApply(file);
    expect({ status: applied.status, stderr: applied.stderr }).toEqual({ status: 0, stderr: '' });
    expect(applied.stdout).toBe(`${reserved}\n`);
  });

  it('refuses a hand-broken copy: a port out of range', () => {
    const file = path.join(temporaryDir('sysctl-broken'), 'broken.conf');
    writeFileSync(file, 'net.ipv4.ip_local_reserved_ports = 16532-17354,70000\n');
    const applied = sysctlApply(file);
    expect(applied.status).not.toBe(0);
    expect(applied.stderr).toContain('Invalid argument');
  });
});

suite('the host', () => {
  // vitest runs a file's tests in order: this one comes after every consumer above
  it('is untouched: its nft ruleset, reserved ports, /etc/ufw and /lib/ufw are as before', () => {
    expect(hostState()).toBe(host);
  });
});
