/**
 * The hostile and broken corpus in test/fixtures/hostile/: each registry has
 * its expected diagnostics, exactly as the CLI prints them, in NAME.expected
 * (rewritten on purpose with UPDATE=1). A registry that generates must give
 * outputs in which every line fits its format's grammar.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { build, generate } from '../src/index.js';
import { targetIds } from '../src/targets/index.js';
import {
  caddyAdapt,
  caddyValidate,
  composeConfig,
  promtool,
  promtoolCheckConfig,
  pyYaml,
  skipAppConsumers,
  warnIfAppConsumersSkipped,
} from './app-consumers.js';
import { certificateConfig, nginxTest, ok, outcome, run, skipConsumers, systemdVerify, systemdVerifyUnits, tsc, warnIfSkipped } from './consumers.js';
import { nftCheck, skipFirewallConsumers, sysctlApply, ufwDryRun, ufwState } from './firewall-consumers.js';
import { grammarViolations, sampleViolations } from './grammar.js';

warnIfSkipped('hostile.test.ts');
warnIfAppConsumersSkipped('hostile.test.ts');

const corpus = new URL('./fixtures/hostile/', import.meta.url).pathname;
const cases = readdirSync(corpus)
  .filter((name) => name.endsWith('.md'))
  .sort();
const temporaries: string[] = [];
afterEach(() => {
  for (const dir of temporaries.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe.each(cases)('%s', (name) => {
  it('gets exactly its expected diagnostics, and nothing is written on errors', () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'portbook-hostile-'));
    temporaries.push(out);
    let stderr = '';
    const code = main(['gen', '--source', name, '--out', path.join(out, 'generated')], {
      stdout: () => undefined,
      stderr: (text) => (stderr += text),
      cwd: corpus,
    });
    const expectedFile = path.join(corpus, name.replace(/\.md$/, '.expected'));
    const actual = `exit ${code}\n${stderr}`;
    if (process.env.UPDATE) writeFileSync(expectedFile, actual);
    expect(actual).toBe(readFileSync(expectedFile, 'utf8'));
    expect(stderr).not.toMatch(/\n\s+at /); // never a stack trace
    if (code !== 0) expect(existsSync(path.join(out, 'generated'))).toBe(false);
  });

  it('gives only grammatical outputs when it generates', () => {
    const built = build({ source: name, out: 'unused', cwd: corpus });
    if (!built.files) {
      expect(built.diagnostics.some((message) => message.fatal)).toBe(true);
      for (const message of built.diagnostics) expect(message.line, message.reason).toBeGreaterThan(0);
      return;
    }
    expect(grammarViolations(built.files)).toEqual([]);
  });

  it('gives only grammatical outputs with every target on', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'portbook-hostile-all-'));
    temporaries.push(dir);
    const config = path.join(dir, 'portbook.config.json');
    writeFileSync(config, JSON.stringify({ targets: targetIds }));
    const built = build({ source: name, out: 'unused', cwd: corpus, config });
    if (built.files) expect(grammarViolations(built.files)).toEqual([]);
    else expect(built.diagnostics.some((message) => message.fatal)).toBe(true);
  });
});

describe('the names corpus', () => {
  it('turns every hostile name into a harmless identifier', () => {
    const built = build({ source: 'names.md', out: 'unused', cwd: corpus });
    const env = built.files!.get('.env.production')!;
    expect(env.split('\n').filter((line) => !line.startsWith('#') && line !== '')).toEqual([
      'ADMIN_DENY_ALL_PORT=16001',
      'ETC_CRON_D_JOB_PORT=16002',
      'CURL_X_PORT=16003',
      'REBOOT_PORT=16004',
      'X_Y_PORT=16005',
      'ALERT_1_PORT=16006',
      'UNICODE_SERVICE_PORT=16007',
      'X_Y_SERVER_LISTEN_1_PORT=16008',
      'PROXY_PASS_HTTP_EVIL_PORT=16009',
      'VALUEOF_PORT=16010',
      'CONSTRUCTOR_PORT=16011',
    ]);
    expect([...built.files!.keys()].filter((file) => file.startsWith('systemd/')).map((file) => file.split('/')[2])).toEqual([
      'admin-deny-all.service.d',
      'alert-1.service.d',
      'constructor.service.d',
      'curl-x.service.d',
      'etc-cron-d-job.service.d',
      'proxy-pass-http-evil.service.d',
      'reboot.service.d',
      'unicode-service.service.d',
      'valueof.service.d',
      'x-y-server-listen-1.service.d',
      'x-y.service.d',
    ]);
    const nginx = built.files!.get('nginx/portbook.production.conf')!;
    expect(nginx).toContain('server_name xn--bcher-kva.example;');
    // free text appears, literally and only in comments
    expect(nginx).toMatch(/^# safe\.example\.com → Admin"; deny all; #: }; include \/etc\/passwd; #$/m);
    expect(built.files!.get('settings.ts')).toContain('/** {{x}} {{{y}}}: {{#each this}}{{/each}} {{> partial}} */');
    expect(built.files!.get('settings.ts')).toContain('/** alert(1): *\\/ """ \'\'\' --> ]]> */');
  });
});

describe('the samples corpus', () => {
  it('keeps each code sample to its own lines whatever the cells hold, and is current (gen would change nothing in it)', () => {
    const built = build({ source: 'samples.md', out: 'unused', cwd: corpus });
    expect(built.diagnostics).toEqual([]);
    expect(built.sourceUpdate).toBeUndefined();
    const text = readFileSync(path.join(corpus, 'samples.md'), 'utf8');
    expect(sampleViolations(text)).toEqual([]);
    // the markers still pair up as portbook's own: no cell closed a block or opened one
    expect(
      built.registry.sampleBlocks?.map(({ kind, open, close, foreign }) => ({ kind, usable: open !== undefined && close !== undefined && !foreign })),
    ).toEqual([
      { kind: 'env', usable: true },
      { kind: 'python', usable: true },
      { kind: 'ts', usable: true },
    ]);
    // and the env sample says what .env.production says
    const sample = text.slice(text.indexOf('```env\n') + 7, text.indexOf('```\n<!-- /portbook:env -->'));
    const variables = (env: string) => env.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
    expect(variables(sample)).toEqual(variables(built.files!.get('.env.production')!));
  });
});

describe.skipIf(skipConsumers)('the names corpus, read by the real consumers', () => {
  it('passes nginx -t, systemd-analyze verify, tsc --strict and python3, and writes only inside --out', () => {
    const scratch = mkdtempSync(path.join(os.tmpdir(), 'portbook-hostile-consumers-'));
    temporaries.push(scratch);
    const dir = (name: string): string => mkdtempSync(path.join(scratch, `${name}-`));
    const out = path.join(scratch, 'out');
    const before = readdirSync(corpus).sort();
    const result = generate({ source: path.join(corpus, 'names.md'), out, config: certificateConfig(dir('tls')), cwd: corpus });
    expect(result.plan?.conflicts).toEqual([]);
    expect(readdirSync(corpus).sort()).toEqual(before);
    expect(readdirSync(scratch).sort()).toEqual(['out', expect.stringMatching(/^tls-/)]);
    const files = result.files!;
    const nginxFiles = [...files.keys()].filter((file) => file.startsWith('nginx/'));
    expect(nginxFiles).toEqual(['nginx/portbook.default-server.conf', 'nginx/portbook.production.conf']);
    expect(
      outcome(
        nginxTest(
          nginxFiles.map((file) => path.join(out, file)),
          dir('nginx'),
        ),
      ),
    ).toEqual(ok);
    for (const [file, content] of files) {
      if (!file.endsWith('/portbook.conf') || !file.startsWith('systemd/')) continue;
      const unit = file.split('/')[2]!.replace(/\.service\.d$/, '');
      const verified = systemdVerify(unit, content, dir('systemd'));
      expect({ status: verified.status, out: verified.stdout + verified.stderr }, file).toEqual({ status: 0, out: '' });
    }
    const compiled = tsc({ 'settings.ts': files.get('settings.ts')! }, 'module', dir('tsc'));
    expect({ status: compiled.status, stdout: compiled.stdout }).toEqual({ status: 0, stdout: '' });
    const python = run('python3', ['-B', '-c', 'import settings; print(len(settings.PORTS["production"]))'], { cwd: out });
    expect({ status: python.status, stdout: python.stdout }).toEqual({ status: 0, stdout: '11\n' });
  });
});

describe('the firewall corpus', () => {
  /** firewall.md with the firewall and kernel targets on. */
  const buildFirewall = (): ReturnType<typeof build> => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'portbook-hostile-firewall-'));
    temporaries.push(dir);
    const config = path.join(dir, 'portbook.config.json');
    writeFileSync(config, JSON.stringify({ targets: ['nginx', 'nftables', 'ufw', 'sysctl'] }));
    return build({ source: 'firewall.md', out: 'unused', cwd: corpus, config });
  };
  const lines = (file: string | undefined): string[] => (file ?? '').split('\n').filter((line) => line !== '' && !line.startsWith('#'));

  it('turns every hostile name into an inert comment: no quote closes, no second command, no setting of its own', () => {
    const files = buildFirewall().files!;
    expect(grammarViolations(files)).toEqual([]);
    const nft = files.get('nftables/portbook.production.nft')!;
    expect(nft.split('\n').filter((line) => line.includes(' comment '))).toEqual([
      '            80 comment "redirect to https: safe.example.com, xn--bcher-kva.example",',
      '            443 comment "safe.example.com (Web)",',
      '            8443 comment "xn--bcher-kva.example (Web)",',
      '            16001 comment "Admin_; _ chain evil _ type filter hook input priority 0; accept; _",',
      '            16003 comment "Line Break net.ipv4.ip_forward _ 1",',
      '            16005 comment "ufw deny 22",',
      '            16006 comment "Long name that goes on and on and on and on and on and on and on and on and on and on and on and on and on and on and on and on",',
      '            16002 comment "it_s _(reboot) id",',
      '            16003 comment "Line Break net.ipv4.ip_forward _ 1",',
      '            16004 comment "_Reversed Unicode Service X",',
      '            16010 comment "Web",',
      '            40001 comment "x_y; _ ; set public_tcp _ elements _ _ 22 _",',
    ]);
    expect(lines(files.get('ufw/portbook.production.sh'))).toEqual([
      'set -e',
      "ufw allow 80/tcp comment 'portbook: redirect to https: safe.example.com, xn--bcher-kva.example'",
      "ufw allow 443/tcp comment 'portbook: safe.example.com (Web)'",
      "ufw allow 8443/tcp comment 'portbook: xn--bcher-kva.example (Web)'",
      "ufw allow 16001/tcp comment 'portbook: Admin\"; } chain evil { type filter hook input priority 0; accept; #'",
      "ufw allow 16002/udp comment 'portbook: it_s $(reboot) id'",
      "ufw allow 16003/tcp comment 'portbook: Line Break net.ipv4.ip_forward = 1'",
      "ufw allow 16003/udp comment 'portbook: Line Break net.ipv4.ip_forward = 1'",
      "ufw allow 16005/tcp comment 'portbook: ufw deny 22'",
      "ufw allow 16006/tcp comment 'portbook: Long name that goes on and on and on and on and on and on and on and on and on and on and on and on and on and on a...'",
    ]);
    const sysctl = files.get('sysctl.d/60-portbook.conf')!;
    expect(lines(sysctl)).toEqual(['net.ipv4.ip_local_reserved_ports = 16000-16099,40000-40009']);
    expect(sysctl).toContain('#   16000-16099: Range" net.ipv4.ip_forward = 1 $(reboot) (reserved range)\n');
  });

  it.skipIf(skipFirewallConsumers)('passes nft -c, ufw --dry-run and sysctl -p, without touching the host', () => {
    const scratch = mkdtempSync(path.join(os.tmpdir(), 'portbook-hostile-firewall-consumers-'));
    temporaries.push(scratch);
    const files = buildFirewall().files!;
    const written = (file: string): string => {
      const target = path.join(scratch, file.replaceAll('/', '_'));
      writeFileSync(target, files.get(file)!);
      return target;
    };
    expect(outcome(nftCheck(written('nftables/portbook.production.nft')))).toEqual(ok);
    const ufw = ufwDryRun(written('ufw/portbook.production.sh'), ufwState(scratch));
    expect(ufw.status, ufw.stderr).toBe(0);
    expect(ufw.stdout.match(/^Rules updated$/gm)).toHaveLength(9);
    const sysctl = sysctlApply(written('sysctl.d/60-portbook.conf'));
    expect({ status: sysctl.status, stdout: sysctl.stdout }).toEqual({ status: 0, stdout: '16000-16099,40000-40009\n' });
  });
});

describe('the long-text corpus', () => {
  it('cuts every description, purpose and name to 200 characters in the comments, ending with …, and nowhere else', () => {
    const built = build({ source: 'long-text.md', out: 'unused', cwd: corpus });
    expect(grammarViolations(built.files!)).toEqual([]);
    const comments = [...built.files!]
      .filter(([file]) => !file.endsWith('.json'))
      .flatMap(([, content]) => content.split('\n').filter((line) => /^(#|\/\*\*|%%) /.test(line) && line.includes('…')));
    expect(comments.length).toBeGreaterThan(5);
    for (const line of comments) expect(Array.from(line).length, line).toBeLessThan(700);
    expect(built.files!.get('settings.ts')).toContain(`/** Brackets: ${'['.repeat(200)}… */`);
    const nginx = built.files!.get('nginx/portbook.production.conf')!;
    expect(nginx).toContain('# api.example.com → Api: A purpose as long. A purpose as long.');
    // the registry keeps the whole text: only comments are cut
    expect(built.registry.services[0]!.description!.value).toHaveLength(4100);
  });

  it.skipIf(skipConsumers)('passes nginx -t and systemd-analyze verify, which refuse the uncut lines', () => {
    const scratch = mkdtempSync(path.join(os.tmpdir(), 'portbook-hostile-long-'));
    temporaries.push(scratch);
    const dir = (name: string): string => mkdtempSync(path.join(scratch, `${name}-`));
    const out = path.join(scratch, 'out');
    const result = generate({ source: path.join(corpus, 'long-text.md'), out, config: certificateConfig(dir('tls')), cwd: corpus });
    const files = result.files!;
    const nginxFiles = [...files.keys()].filter((file) => file.startsWith('nginx/')).map((file) => path.join(out, file));
    expect(outcome(nginxTest(nginxFiles, dir('nginx')))).toEqual(ok);
    for (const [file, content] of files) {
      if (!file.endsWith('/portbook.conf')) continue;
      const unit = file
        .split('/')
        .at(-2)!
        .replace(/\.service\.d$/, '');
      expect(outcome(systemdVerify(unit, content, dir('systemd'))), file).toEqual(ok);
    }
  });
});

describe('the commands corpus, as full units', () => {
  const names = ['Newline', 'Specifiers', 'Quoted', 'Variables', 'Punctuation', 'Keys', 'Unicode'];
  /** exec-start-inert.md with every service given a full unit by the config, its command from the registry. */
  const buildUnits = (): ReturnType<typeof build> => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'portbook-hostile-units-'));
    temporaries.push(dir);
    const config = path.join(dir, 'portbook.config.json');
    writeFileSync(config, JSON.stringify({ systemd: { services: Object.fromEntries(names.map((name) => [name, {}])) } }));
    return build({ source: 'exec-start-inert.md', out: 'unused', cwd: corpus, config });
  };
  const unitOf = (files: ReadonlyMap<string, string>, name: string): string => files.get(`systemd/production/${name.toLowerCase()}.service`)!;

  it('writes each accepted command as words of /bin/true on one ExecStart line: no second key, command line, specifier or variable', () => {
    const built = buildUnits();
    expect(built.diagnostics.map(String)).toEqual([]);
    expect(grammarViolations(built.files!)).toEqual([]);
    const execStart = Object.fromEntries(
      names.map((name) => [
        name,
        unitOf(built.files!, name)
          .split('\n')
          .filter((line) => /^Exec/.test(line)),
      ]),
    );
    expect(execStart).toEqual({
      Newline: ['ExecStart=/bin/true User=root'],
      Specifiers: ['ExecStart=/bin/true "%%h" "%%n" "100%%" "%%%%"'],
      Quoted: ['ExecStart=/bin/true "a b" "say \\"hi\\"" "--name=My App"'],
      Variables: ['ExecStart=/bin/true --port ${PORT} --listen=${HOST}:${INERT_VARIABLES_PORT}'],
      Punctuation: ['ExecStart=/bin/true "a;b" "[Service]" "#x" "{{x}}"'],
      Keys: ['ExecStart=/bin/true Environment=LD_PRELOAD=/tmp/x.so User=root'],
      Unicode: ['ExecStart=/bin/true "Straße" "𝕏" "✅"'],
    });
    for (const name of names) {
      const keys = unitOf(built.files!, name)
        .split('\n')
        .filter((line) => /^(User|Group|Environment|ExecStart|DynamicUser)=/.test(line))
        .map((line) => line.split('=')[0]);
      expect(
        keys.filter((key) => key !== 'Environment'),
        name,
      ).toEqual(['ExecStart', 'DynamicUser']);
    }
    expect(built.files!.get('systemd/production/quoted.socket')).toContain('\nListenStream=127.0.0.1:16104\n');
  });

  it.skipIf(skipConsumers)('passes systemd-analyze verify, silently, sockets included', () => {
    const files = buildUnits().files!;
    const units = Object.fromEntries([...files].filter(([file]) => file.startsWith('systemd/')).map(([file, content]) => [file.split('/').at(-1)!, content]));
    expect(Object.keys(units).sort()).toEqual([...names.map((name) => `${name.toLowerCase()}.service`), 'quoted.socket'].sort());
    const dir = mkdtempSync(path.join(os.tmpdir(), 'portbook-hostile-verify-'));
    temporaries.push(dir);
    expect(outcome(systemdVerifyUnits(units, dir))).toEqual(ok);
  });
});

describe('every corpus registry with the caddy, compose and prometheus targets on', () => {
  /** A config in a directory of its own (so no project compose file is read) that turns every target on. */
  const everyTarget = (): string => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'portbook-hostile-apps-'));
    temporaries.push(dir);
    const config = path.join(dir, 'portbook.config.json');
    writeFileSync(config, JSON.stringify({ targets: targetIds }));
    return config;
  };

  it.each(cases)('%s gives only grammatical outputs when it generates', (name) => {
    const built = build({ source: name, out: 'unused', cwd: corpus, config: everyTarget() });
    if (!built.files) {
      expect(built.diagnostics.some((message) => message.fatal)).toBe(true);
      return;
    }
    expect(grammarViolations(built.files)).toEqual([]);
  });

  it('app-text.md: every hostile name and purpose stays a comment, a label value or nothing, as Caddy, compose and Prometheus read them', () => {
    const built = build({ source: 'app-text.md', out: 'unused', cwd: corpus, config: everyTarget() });
    expect(built.diagnostics.filter((message) => message.fatal).map(String)).toEqual([]);
    const files = built.files!;
    expect([...files.keys()].filter((file) => /^(caddy|compose|prometheus)\//.test(file))).toEqual([
      'caddy/portbook.production.caddyfile',
      'compose/docker-compose.portbook.production.yml',
      'prometheus/blackbox.yml',
      'prometheus/portbook.rules.yml',
      'prometheus/targets/portbook.production.yml',
    ]);
    // Caddy 2.6 would expand {$EVIL} in a comment: it is broken up
    expect(files.get('caddy/portbook.production.caddyfile')).toContain('# env.example.com → Env { $HOME}: { $EVIL} reverse_proxy evil:1\n');
    expect(files.get('caddy/portbook.production.caddyfile')).not.toContain('{$');
    // what YAML refuses anywhere in a file (U+FFFE, U+FFFF) becomes U+FFFD in a comment, and an escape in a label value
    expect(files.get('prometheus/targets/portbook.production.yml')).toContain('\n# Odd \ufffd\ufffd at odd.example.com: endpoint\n');
    expect(files.get('prometheus/targets/portbook.production.yml')).toContain('    service: "Odd \\uFFFE\\uFFFF"\n');
  });

  it.skipIf(skipAppConsumers)('app-text.md passes caddy validate, docker-compose config and promtool, and each reads back only what the registry means', () => {
    const scratch = mkdtempSync(path.join(os.tmpdir(), 'portbook-hostile-apps-consumers-'));
    temporaries.push(scratch);
    const out = path.join(scratch, 'out');
    const result = generate({ source: path.join(corpus, 'app-text.md'), out, config: everyTarget(), cwd: corpus });
    expect(result.files).toBeDefined();
    const caddyfile = path.join(out, 'caddy/portbook.production.caddyfile');
    expect(caddyValidate(caddyfile, scratch).status).toBe(0);
    const adapted = caddyAdapt(caddyfile, scratch, { EVIL: 'x\nhttp://evil.example.com {\n\trespond pwned\n}\n#', HOME: scratch });
    expect(adapted.status, adapted.stderr).toBe(0);
    expect(adapted.stdout).not.toContain('evil');
    const base = path.join(scratch, 'compose.yaml');
    writeFileSync(base, 'services:\n  env: {image: busybox}\n  quote.v2_x-1: {image: busybox}\n  astral: {image: busybox}\n');
    const override = path.join(out, 'compose/docker-compose.portbook.production.yml');
    expect(outcome(composeConfig([base, override], scratch))).toEqual(ok);
    const targetsFile = path.join(out, 'prometheus/targets/portbook.production.yml');
    const checked = promtoolCheckConfig([targetsFile], [path.join(out, 'prometheus/portbook.rules.yml')], scratch);
    expect(checked.status, checked.stdout + checked.stderr).toBe(0);
    const [groups] = pyYaml([readFileSync(targetsFile, 'utf8')]).values as [Array<{ labels: { service: string } }>];
    expect([...new Set(groups.map((group) => group.labels.service))]).toEqual([
      'Env {$HOME}',
      'Quote " and \\',
      'Line\u0085Next',
      'Odd \ufffe\uffff',
      'Astral 𝕏',
      'Braces {{x}}',
    ]);
  });
});

describe('a registry whose file name holds control characters', () => {
  it.skipIf(skipAppConsumers)(
    'gives every output a header its consumer reads: C1 controls in the name never reach a YAML comment (PyYAML and promtool refuse them)',
    () => {
      const scratch = mkdtempSync(path.join(os.tmpdir(), 'portbook-hostile-source-name-'));
      temporaries.push(scratch);
      const name = 'Ports \u009b2J\u0085\u008d.md';
      writeFileSync(path.join(scratch, name), readFileSync(path.join(corpus, 'app-text.md')));
      const config = path.join(scratch, 'portbook.config.json');
      writeFileSync(config, JSON.stringify({ targets: targetIds }));
      const out = path.join(scratch, 'out');
      const result = generate({ source: path.join(scratch, name), out, config, cwd: scratch });
      expect(result.files).toBeDefined();
      const yaml = [...result.files!.keys()].filter((file) => file.endsWith('.yml'));
      expect(yaml.length).toBeGreaterThan(0);
      const read = pyYaml(yaml.map((file) => readFileSync(path.join(out, file), 'utf8')));
      expect(read.status, read.stderr).toBe(0);
      const rules = run(promtool, ['check', 'rules', path.join(out, 'prometheus/portbook.rules.yml')]);
      expect(rules.status, rules.stdout + rules.stderr).toBe(0);
      // registry.json records the name as it is (JSON holds any character); every comment header holds `?` instead
      for (const file of result.files!.keys())
        if (!file.endsWith('.json')) expect(readFileSync(path.join(out, file), 'utf8'), file).not.toMatch(/[\u0080-\u009f]/);
    },
  );
});
