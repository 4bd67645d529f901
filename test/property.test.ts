/**
 * Property-based tests: random registries with arbitrary Unicode and
 * metacharacters in every cell. For each, either positioned diagnostics and
 * nothing written, or outputs in which every line fits its format's grammar,
 * whose .env files parse back to exactly the registry's ports, and which the
 * real consumers accept (nginx and python3 on every sample, systemd on every
 * other, tsc on all of them in one run at the end). The values that reach
 * nginx and systemd as addresses and names (proxy targets, bind addresses,
 * unit names in the registry and the config) have a property of their own,
 * drawn from the Unicode that looks like an address and is not one.
 *
 * The number of cases is a count, never a time: enough to exercise every
 * shape of the arbitraries on each run of the suite. PORTBOOK_PROPERTY_RUNS
 * multiplies it for a deep run, with vitest's timeout (a hang guard sized
 * for the default counts) lifted:
 *   PORTBOOK_PROPERTY_RUNS=20 npx vitest run test/property.test.ts --testTimeout=0
 * A failure prints fast-check's seed and path; rerun it with
 * FC_SEED=<seed> FC_PATH=<path> npx vitest run test/property.test.ts.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExposure } from '../src/extract/cells.js';
import { extract } from '../src/extract/index.js';
import { build, generate, PortbookError } from '../src/index.js';
import { read } from '../src/read/index.js';
import { targetIds } from '../src/targets/index.js';
import { caddyValidate, composeConfig, promtoolCheckConfig, skipAppConsumers, warnIfAppConsumersSkipped } from './app-consumers.js';
import {
  certificateConfig,
  nginxTest,
  ok,
  outcome,
  python3,
  run,
  skipConsumers,
  systemdVerify,
  systemdVerifyUnits,
  tscProjects,
  warnIfSkipped,
} from './consumers.js';
import { nftCheck, skipFirewallConsumers, sysctlApply, ufwDryRun, ufwState, warnIfFirewallSkipped } from './firewall-consumers.js';
import { grammarViolations, sampleViolations } from './grammar.js';

warnIfSkipped('property.test.ts');
warnIfFirewallSkipped('property.test.ts');
warnIfAppConsumersSkipped('property.test.ts');

const runs = Number(process.env.PORTBOOK_PROPERTY_RUNS ?? 1);
if (!(runs > 0))
  throw new Error(`PORTBOOK_PROPERTY_RUNS must be a number above 0 (a multiplier of the cases), not ${JSON.stringify(process.env.PORTBOOK_PROPERTY_RUNS)}`);
/** `cases` scaled by PORTBOOK_PROPERTY_RUNS. */
const count = (cases: number): number => Math.max(1, Math.round(cases * runs));
/**
 * The same samples on every run, so the suite is deterministic: a fixed seed,
 * unless FC_SEED (with FC_PATH, to replay a failure fast-check printed) asks
 * for others; for a wider search, run with other seeds and PORTBOOK_PROPERTY_RUNS.
 */
const settings = (numRuns: number): fc.Parameters<unknown> => ({
  numRuns,
  seed: process.env.FC_SEED ? Number(process.env.FC_SEED) : 20_261_202,
  ...(process.env.FC_PATH ? { path: process.env.FC_PATH } : {}),
});

const root = mkdtempSync(path.join(os.tmpdir(), 'portbook-property-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;
const freshDir = (): string => {
  const dir = path.join(root, String(counter++));
  mkdirSync(dir, { recursive: true });
  return dir;
};

// ---------------------------------------------------------------- arbitraries

/** Text built to break config formats and Markdown alike. */
const nasty = fc.constantFrom(
  '"; deny all; #',
  '$(reboot)',
  '`rm -rf /`',
  '{{x}}',
  '{{{y}}}',
  '{{> p}}',
  '*/',
  '/*',
  '"""',
  "'''",
  '\\',
  '\\n',
  '%n',
  '%%',
  '../..',
  '/etc/passwd',
  '<br>',
  '<!--',
  '-->',
  ']]>',
  '&amp;',
  '<',
  '>',
  '"',
  "'",
  '#',
  ';',
  '{',
  '}',
  '$host',
  '${PATH}',
  '\t',
  '\u2028',
  '\u202e',
  '\ufeff',
  'âœ…',
  '✅',
  '⏸️',
  '𝕏',
  'Straße',
  'ğŸ“‹',
  '~',
  '**',
  '_',
  '[x](y)',
  ':',
  '=',
  'Environment=X',
);
const text = fc.oneof(
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 24 }) },
  { weight: 3, arbitrary: fc.array(fc.oneof(nasty, fc.string({ maxLength: 6 })), { maxLength: 5 }).map((parts) => parts.join('')) },
);

/** A cell that keeps the table's shape: pipes escaped, line breaks flattened. */
const cell = (value: string): string =>
  value
    .replace(/[\r\n\u2028\u2029]+/g, ' ')
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/~/g, '-');

/** Names: mostly a Latin word (an identifier can be derived) wrapped in hostile text, sometimes hostile text alone. */
const name = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(text, fc.stringMatching(/^[A-Za-z][A-Za-z0-9]{0,7}$/), text).map((parts) => parts.join(' ')) },
  { weight: 1, arbitrary: text },
);

const environments = ['Development', 'Production', 'Staging', 'Notes'] as const;
const protocol = fc.oneof(fc.constantFrom('HTTP', 'WS', 'HTTPS', 'HTTP/HTTPS', 'TCP', 'PostgreSQL', 'Redis', 'UDP', 'TCP/UDP', ''), text);
/** An Exposure cell: nearly always one portbook reads (public, internal, or empty), sometimes hostile text, which exposure-invalid refuses or the first word decides. */
// (rarely hostile: one bad cell stops the whole sample, and every row has one; `no` reads as neither, so it is the hostile side's)
const exposure = fc.oneof(
  { weight: 40, arbitrary: fc.constantFrom('', 'public', 'internal', '✅ public') },
  { weight: 1, arbitrary: fc.oneof(fc.constant('no'), text) },
);

interface Row {
  name: string;
  port: number;
  protocol: string;
  description: string;
  exposure: string;
}

interface Spec {
  tables: Array<{ heading: (typeof environments)[number]; rows: Row[] }>;
  sites: Array<{ domain: string; ssl: boolean; row: number; purpose: string }>;
  /** The config's nginx settings (`http2 on;` is left out: the nginx here, 1.22, rejects it). */
  nginx: { ipv6: boolean; http2: 'listen' | 'off'; acmeWebroot: string | false; defaultServer: boolean; behindProxy: boolean };
  /** Whether the sites are written as a URL column of the first table (`https://domain`) rather than an external-access table. */
  urls: boolean;
  /** The first row becomes `Runner`, which the config gives a full unit: its ExecStart detail is /bin/true and hostile arguments. */
  runner: { arguments: string; socket: boolean; bind: string | undefined; compose: string | undefined; containerPort: string | undefined } | null;
}

/** A Compose Service detail: mostly a name compose takes, sometimes hostile text (compose-service-invalid refuses it). */
const composeName = fc.oneof({ weight: 12, arbitrary: fc.stringMatching(/^[A-Za-z0-9._-]{1,12}$/) }, { weight: 1, arbitrary: text });
/** A Container Port detail: mostly a port, sometimes text that is none. */
const containerPort = fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 1, max: 65535 }).map(String) }, { weight: 1, arbitrary: text });

/**
 * ExecStart arguments: mostly words a command could hold, among them those that
 * must come out inert (specifiers, keys, quotes, punctuation), sometimes
 * hostile text, which exec-start-invalid refuses or the quoting makes inert.
 */
const commandArguments = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .array(
        fc.oneof(
          fc.stringMatching(/^[A-Za-z0-9_.,:=+@/-]{1,8}$/),
          fc.constantFrom(
            '%h',
            '%%',
            '100%',
            '${PORT}',
            '"a b"',
            "'x y'",
            '[Service]',
            '#x',
            'a;b',
            'User=root',
            'ExecStartPre=/bin/sh',
            'Straße',
            '𝕏',
            '{{x}}',
          ),
        ),
        { maxLength: 6 },
      )
      .map((words) => words.join(' ')),
  },
  { weight: 1, arbitrary: text },
);

/** Registries whose shape is known: valid unique ports per table, hostile text everywhere else. */
const spec: fc.Arbitrary<Spec> = fc.uniqueArray(fc.constantFrom(...environments), { minLength: 1, maxLength: 3 }).chain((headings) =>
  fc.record({
    tables: fc.tuple(
      ...headings.map((heading) =>
        fc.record({
          heading: fc.constant(heading),
          rows: fc
            .uniqueArray(fc.integer({ min: 1024, max: 65535 }), { minLength: 1, maxLength: 6 })
            .chain((ports) => fc.tuple(...ports.map((port) => fc.record({ name, port: fc.constant(port), protocol, description: text, exposure })))),
        }),
      ),
    ),
    sites: fc.array(fc.record({ domain: fc.domain(), ssl: fc.boolean(), row: fc.nat(), purpose: text }), { maxLength: 3 }),
    nginx: fc.record({
      ipv6: fc.boolean(),
      http2: fc.constantFrom('listen' as const, 'off' as const),
      acmeWebroot: fc.constantFrom('/var/www/letsencrypt', false as const),
      defaultServer: fc.boolean(),
      behindProxy: fc.boolean(),
    }),
    urls: fc.boolean(),
    runner: fc.oneof(
      { weight: 1, arbitrary: fc.constant(null) },
      {
        weight: 1,
        arbitrary: fc.record({
          arguments: commandArguments,
          socket: fc.boolean(),
          bind: fc.option(fc.constantFrom('127.0.0.1', '::1', '0.0.0.0', '*', 'localhost', '::', '10.0.0.5'), { nil: undefined }),
          compose: fc.option(composeName, { nil: undefined }),
          containerPort: fc.option(containerPort, { nil: undefined }),
        }),
      },
    ),
  }),
);

function markdown(registry: Spec): string {
  const lines = ['# Random registry', ''];
  // with urls, the first table's rows carry the sites as URLs (one per row: the first site that points at it)
  const urlOf = new Map<number, string>();
  if (registry.urls) {
    for (const site of registry.sites) {
      const row = site.row % registry.tables[0]!.rows.length;
      if (!urlOf.has(row)) urlOf.set(row, `${site.ssl ? 'https' : 'http'}://${site.domain}`);
    }
  }
  registry.tables.forEach((table, index) => {
    const url = registry.urls && index === 0;
    lines.push(
      `## ${table.heading}`,
      '',
      `| Service | Port | Protocol | Description | Exposure |${url ? ' URL |' : ''}`,
      `|---|---|---|---|---|${url ? '---|' : ''}`,
    );
    table.rows.forEach((row, at) => {
      const name = registry.runner && index === 0 && at === 0 ? 'Runner' : cell(row.name);
      lines.push(
        `| ${name} | ${row.port} | ${cell(row.protocol)} | ${cell(row.description)} | ${cell(row.exposure)} |${url ? ` ${urlOf.get(at) ?? ''} |` : ''}`,
      );
    });
    lines.push('');
  });
  // external access in the first table's environment, pointing at its ports
  const first = registry.tables[0]!;
  if (registry.sites.length > 0 && !registry.urls) {
    lines.push(`## ${first.heading} External Access`, '', '| Domain | Port | SSL | Proxy Target | Purpose |', '|---|---|---|---|---|');
    for (const site of registry.sites) {
      const target = first.rows[site.row % first.rows.length]!;
      lines.push(`| ${site.domain} | ${site.ssl ? 443 : 80} | ${site.ssl ? '✅' : '❌'} | 127.0.0.1:${target.port} | ${cell(site.purpose)} |`);
    }
    lines.push('');
  }
  const runner = registry.runner;
  if (runner) {
    // one code span on one line: backticks and line breaks would end it (a line separator stays, for the rule to refuse)
    const command = `/bin/true ${runner.arguments.replace(/[`\r\n]/g, ' ')}`;
    lines.push('#### Runner', '', `- **ExecStart**: \`${command}\``);
    if (runner.bind !== undefined) lines.push(`- **Bind**: \`${runner.bind}\``);
    if (runner.socket) lines.push('- **Socket Activation**: yes');
    // the compose details as code spans on one line, like ExecStart
    const span = (value: string): string => `\`${value.replace(/[`\r\n]/g, ' ')}\``;
    if (runner.compose !== undefined) lines.push(`- **Compose Service**: ${span(runner.compose)}`);
    if (runner.containerPort !== undefined) lines.push(`- **Container Port**: ${span(runner.containerPort)}`);
    lines.push('');
  }
  // the code samples gen writes into the registry itself, from the same cells
  lines.push('<!-- portbook:env -->', '<!-- /portbook:env -->', '', '<!-- portbook:python -->', '<!-- /portbook:python -->', '');
  lines.push('<!-- portbook:ts -->', '<!-- /portbook:ts -->', '');
  return lines.join('\n');
}

const environmentKey = (heading: string): string => (heading === 'Notes' ? 'default' : heading.toLowerCase());
const envFileOf = (key: string): string => (key === 'default' ? '.env' : `.env.${key}`);

/**
 * The registry gen left: each code sample fits its grammar, the markers
 * still pair up as portbook's own blocks, and the env sample holds exactly
 * the settings environment's .env lines.
 */
function checkSamples(source: string, files: ReadonlyMap<string, string>, registry: Spec): void {
  const text = readFileSync(source, 'utf8');
  expect(sampleViolations(text)).toEqual([]);
  const blocks = extract(read(new TextEncoder().encode(text), 'PORTS.md')).sampleBlocks ?? [];
  expect(blocks.map((block) => `${block.kind} ${block.open !== undefined && block.close !== undefined && !block.foreign}`)).toEqual([
    'env true',
    'python true',
    'ts true',
  ]);
  const primary = registry.tables.some((table) => table.heading === 'Notes') ? 'default' : environmentKey(registry.tables[0]!.heading);
  const sample = text.slice(text.indexOf('```env\n') + 7, text.indexOf('```\n<!-- /portbook:env -->'));
  expect(parseDotenv(sample)).toEqual(parseDotenv(files.get(envFileOf(primary))!));
}

// ---------------------------------------------------------------- consumers, sampled

/** Every target the samples render: the default ones, and those that are off by default (registry.json has its schema). */
const targets = targetIds;

/** The consumers' config (a test certificate), whose nginx settings each sample's own config extends. */
let baseConfig: { nginx?: Record<string, unknown> } = {};
beforeAll(() => {
  if (!skipConsumers) baseConfig = JSON.parse(readFileSync(certificateConfig(freshDir()), 'utf8'));
});

/** A sample's config: the certificates' (when the consumers run) with its nginx settings, and a full unit for `Runner` when it has one. */
function configFor(registry: Spec, dir: string): string {
  const file = path.join(dir, 'portbook.config.json');
  const systemd = registry.runner ? { systemd: { services: { Runner: {} } } } : {};
  writeFileSync(file, JSON.stringify({ ...baseConfig, targets, nginx: { ...baseConfig.nginx, ...registry.nginx }, ...systemd }));
  return file;
}

/** Every output file under `dir`, as out-relative POSIX paths. */
function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(path.join(dir, prefix), { withFileTypes: true }).flatMap((entry) => {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    return entry.isDirectory() ? listFiles(dir, relative) : [relative];
  });
}

/**
 * Every sample's settings.ts and registry, for one tsc run after the property:
 * tsc starts in half a second and then checks a small file in milliseconds.
 */
const typescript = new Map<string, { settings: string; registry: string }>();

/** nginx -t and python3 on every sample; on every other, the full units (and sockets) if any, else one drop-in; settings.ts kept for tsc. */
function checkConsumers(out: string, files: ReadonlyMap<string, string>, sample: number, registry: string): void {
  if (skipConsumers) return;
  const nginxFiles = [...files.keys()].filter((file) => file.startsWith('nginx/')).map((file) => path.join(out, file));
  if (nginxFiles.length > 0) expect(outcome(nginxTest(nginxFiles, freshDir())), 'nginx -t').toEqual(ok);
  // -S: settings.py needs nothing from site-packages, and skipping site's start-up makes python3 three times as quick
  const python = run(python3, ['-S', '-B', '-c', 'import settings, json; print(json.dumps(settings.PORTS))'], { cwd: out });
  expect(python.status, python.stderr).toBe(0);
  const units = [...files.keys()].filter((file) => /^systemd\/.*\.(service|socket)$/.test(file));
  if (sample % 2 === 0 && units.length > 0) {
    // one directory per environment: a unit's name is unique only within its environment
    for (const environment of new Set(units.map((file) => path.dirname(file)))) {
      const own = units.filter((file) => path.dirname(file) === environment);
      const verified = systemdVerifyUnits(Object.fromEntries(own.map((file) => [path.basename(file), files.get(file)!])), freshDir());
      expect({ status: verified.status, out: verified.stdout + verified.stderr }, `systemd-analyze verify ${own.join(' ')}`).toEqual({ status: 0, out: '' });
    }
  } else if (sample % 2 === 0) {
    const dropIns = listFiles(out).filter((file) => file.endsWith('.service.d/portbook.conf'));
    const dropIn = dropIns[sample % dropIns.length]!;
    const unit = path.basename(path.dirname(dropIn)).replace(/\.service\.d$/, '');
    const verified = systemdVerify(unit, files.get(dropIn)!, freshDir());
    expect({ status: verified.status, out: verified.stdout + verified.stderr }, `systemd-analyze verify ${dropIn}`).toEqual({ status: 0, out: '' });
  }
  typescript.set(`sample-${typescript.size}`, { settings: files.get('settings.ts')!, registry });
}

/**
 * The public port set of each environment's firewall files is what its nginx
 * file listens on, with the ports of the rows whose Exposure cell reads public
 * (over TCP, or UDP when the Protocol cell says so): nftables and ufw agree.
 */
function checkPublicPorts(files: ReadonlyMap<string, string>, registry: Spec): void {
  for (const table of new Set(registry.tables.map((each) => environmentKey(each.heading)))) {
    const suffix = table === 'default' ? '' : `.${table}`;
    const nginx = files.get(`nginx/portbook${suffix}.conf`) ?? '';
    const expected = new Set([...nginx.matchAll(/^\s*listen (?:\[::\]:)?(\d+)[ ;]/gm)].map((match) => `${match[1]}/tcp`));
    for (const row of registry.tables.filter((each) => environmentKey(each.heading) === table).flatMap((each) => each.rows)) {
      if (parseExposure(row.exposure.replace(/[\r\n\u2028\u2029]+/g, ' ')) !== 'public') continue;
      const words = row.protocol.toLowerCase().split(/[^a-z0-9]+/);
      const udp = words.includes('udp');
      if (!udp || words.some((word) => word !== '' && word !== 'udp')) expected.add(`${row.port}/tcp`);
      if (udp) expected.add(`${row.port}/udp`);
    }
    const nft = files.get(`nftables/portbook${suffix}.nft`)!;
    const opened = (set: string): string[] =>
      [...(new RegExp(`set ${set} \\{\\n([\\s\\S]*?)\\n {4}\\}`).exec(nft)?.[1] ?? '').matchAll(/^ {12}(\d+) comment/gm)].map(
        (match) => `${match[1]}/${set.slice(-3)}`,
      );
    const ufw = [...files.get(`ufw/portbook${suffix}.sh`)!.matchAll(/^ufw allow (\d+\/(?:tcp|udp)) /gm)].map((match) => match[1]!);
    expect([...opened('public_tcp'), ...opened('public_udp')].sort(), `nftables ${table}`).toEqual([...expected].sort());
    expect(ufw.sort(), `ufw ${table}`).toEqual([...expected].sort());
  }
}

/** nft -c on every sample; ufw --dry-run and sysctl -p on every third. */
function checkFirewallConsumers(out: string, files: ReadonlyMap<string, string>, sample: number): void {
  if (skipFirewallConsumers) return;
  for (const file of [...files.keys()].filter((name) => name.startsWith('nftables/'))) {
    expect(outcome(nftCheck(path.join(out, file))), `nft -c -f ${file}`).toEqual(ok);
  }
  if (sample % 3 !== 0) return;
  const state = ufwState(freshDir());
  for (const file of [...files.keys()].filter((name) => name.startsWith('ufw/'))) {
    const dryRun = ufwDryRun(path.join(out, file), state);
    expect({ status: dryRun.status, errors: dryRun.stderr.split('\n').filter((line) => line.startsWith('ERROR')) }, `ufw --dry-run ${file}`).toEqual({
      status: 0,
      errors: [],
    });
  }
  const sysctl = sysctlApply(path.join(out, 'sysctl.d/60-portbook.conf'));
  expect(sysctl.status, `sysctl -p: ${sysctl.stderr}`).toBe(0);
}

/**
 * caddy validate and promtool (with the file_sd targets and the rules) on
 * every other sample; docker-compose config on every compose override, over
 * a base file of its services (a second each, and few samples have one).
 */
function checkAppConsumers(out: string, files: ReadonlyMap<string, string>, sample: number): void {
  if (skipAppConsumers) return;
  const paths = [...files.keys()];
  if (sample % 2 === 1) {
    for (const file of paths.filter((each) => each.startsWith('caddy/'))) {
      const validated = caddyValidate(path.join(out, file), freshDir());
      expect(validated.status, `caddy validate ${file}\n${validated.stderr}`).toBe(0);
    }
    const targetFiles = paths.filter((each) => each.startsWith('prometheus/targets/')).map((each) => path.join(out, each));
    const checked = promtoolCheckConfig(targetFiles, [path.join(out, 'prometheus/portbook.rules.yml')], freshDir());
    expect(checked.status, `promtool check config\n${checked.stdout}${checked.stderr}`).toBe(0);
  }
  for (const file of paths.filter((each) => each.startsWith('compose/'))) {
    const names = [...files.get(file)!.matchAll(/^ {2}"([A-Za-z0-9._-]+)":$/gm)].map((match) => match[1]!);
    const dir = freshDir();
    const base = path.join(dir, 'compose.yaml');
    writeFileSync(base, `services:\n${names.map((name) => `  ${JSON.stringify(name)}:\n    image: busybox\n`).join('')}`);
    expect(outcome(composeConfig([base, path.join(out, file)], dir)), `docker-compose config ${file}`).toEqual(ok);
  }
}

/** tsc --strict on every kept settings.ts, each in its own directory; a failure shows the registries of the samples that failed. */
function checkTypescript(): void {
  if (typescript.size === 0) return;
  const compiled = tscProjects(
    Object.fromEntries([...typescript].map(([name, { settings }]) => [name, { type: 'module' as const, files: { 'settings.ts': settings } }])),
    freshDir(),
  );
  const failed = new Set([...compiled.stdout.matchAll(/^(sample-\d+)\//gm)].map((match) => match[1]!));
  const registries = [...failed].map((name) => `${name}, from this registry:\n${typescript.get(name)?.registry}`).join('\n\n');
  expect({ status: compiled.status, stdout: compiled.stdout }, `tsc --strict settings.ts\n${registries}`).toEqual({ status: 0, stdout: '' });
}

// ---------------------------------------------------------------- properties

/** Rules that names alone can trigger when ports are valid and unique per table (a NUL reads as binary). */
const nameRules = new Set([
  'name-missing',
  'variable-duplicate',
  'identifier-duplicate',
  'protocol-unknown',
  'protocol-assumed',
  'proxy-target-not-http',
  'encoding-invalid',
  'encoding-mojibake',
  // the Runner's ExecStart detail holds hostile arguments too
  'exec-start-invalid',
  // and the Exposure cells hostile text
  'exposure-invalid',
  // and its compose details
  'compose-service-invalid',
]);

describe('random registries with hostile text in every cell', () => {
  it('give positioned name diagnostics and no files, or grammatical outputs whose .env files hold exactly their ports', () => {
    const cases = count(75);
    let generated = 0;
    let fullUnits = 0;
    let overrides = 0;
    fc.assert(
      fc.property(spec, (registry) => {
        const dir = freshDir();
        const source = path.join(dir, 'PORTS.md');
        const text = markdown(registry);
        writeFileSync(source, text);
        const out = path.join(dir, 'generated');
        const config = configFor(registry, dir);
        const result = generate({ source, out, cwd: dir, config });
        for (const message of result.diagnostics) {
          expect(message.line, message.reason).toBeGreaterThan(0);
          expect(message.column, message.reason).toBeGreaterThan(0);
          expect(nameRules.has(message.ruleId ?? ''), `${message.ruleId}: ${message.reason}`).toBe(true);
        }
        if (!result.files) {
          expect(existsSync(out)).toBe(false);
          return;
        }
        expect(grammarViolations(result.files)).toEqual([]);
        checkSamples(source, result.files, registry);
        for (const table of registry.tables) {
          const key = environmentKey(table.heading);
          const parsed = parseDotenv(result.files.get(envFileOf(key))!);
          // the ports, and the Runner's bind address when it has one
          const ports = Object.entries(parsed).filter(([variable]) => variable !== 'RUNNER_HOST');
          expect(ports.map(([, port]) => port).sort(), envFileOf(key)).toEqual(table.rows.map((row) => String(row.port)).sort());
        }
        checkPublicPorts(result.files, registry);
        checkConsumers(out, result.files, generated, text);
        checkFirewallConsumers(out, result.files, generated);
        checkAppConsumers(out, result.files, generated);
        generated++;
        if ([...result.files.keys()].some((file) => file.endsWith('.service'))) fullUnits++;
        if ([...result.files.keys()].some((file) => file.startsWith('compose/'))) overrides++;
      }),
      settings(cases),
    );
    checkTypescript();
    if (process.env.PORTBOOK_PROPERTY_REPORT) console.log(`generated ${generated} of ${cases}, full units ${fullUnits}, overrides ${overrides}`);
    // the property is not vacuous: about a third of the random registries generate (a fifth is well below, for any seed we tried)
    expect(generated).toBeGreaterThan(cases / 5);
    // and full units are among them: about three in ten samples (a twentieth is over four standard deviations below)
    expect(fullUnits).toBeGreaterThan(cases / 20);
    // and compose overrides: about one sample in seven (none in 75 has a chance of about one in 200,000)
    expect(overrides).toBeGreaterThan(0);
  });

  it('never throw, and never write on errors, whatever the bytes', () => {
    const chaos = fc
      .array(
        fc.oneof(
          text,
          fc.constantFrom(
            '| Service | Port |',
            '|---|---|',
            '| Domain | SSL | Proxy Target |',
            '## Production',
            '## Reserved ranges',
            '- **R**: ',
            '<!-- portbook:env -->',
            '<!-- /portbook:env -->',
            '```env',
            '```',
            'Port: ',
            'localhost:',
            '\n',
            ' | ',
            '`',
          ),
          fc.integer({ min: -5, max: 70000 }).map(String),
        ),
        { maxLength: 40 },
      )
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(chaos, (document) => {
        const dir = freshDir();
        writeFileSync(path.join(dir, 'PORTS.md'), document);
        const built = build({ source: path.join(dir, 'PORTS.md'), out: path.join(dir, 'generated'), cwd: dir });
        for (const message of built.diagnostics) expect(message.line ?? 0, message.reason).toBeGreaterThan(0);
        if (built.diagnostics.some((message) => message.fatal)) expect(built.files).toBeUndefined();
        if (built.files) expect(grammarViolations(built.files)).toEqual([]);
        rmSync(dir, { recursive: true, force: true });
      }),
      settings(count(400)),
    );
  });
});

// ---------------------------------------------------------------- addresses and names

/** Hosts nginx connects to (and that resolve here): what the hostile ones are built around. */
const goodHosts = ['127.0.0.1', 'localhost', '[::1]', '127.0.0.2', 'LOCALHOST', '[fd00::1]'] as const;

/** Hosts that look like an address and are not one nginx takes as written: IDN, lookalikes, full width, zone ids, brackets, shapes. */
const badHosts = [
  'bücher.example',
  'lоcalhost', // a Cyrillic о
  'ｌｏｃａｌｈｏｓｔ',
  '１２７．０．０．１',
  '[fe80::1%eth0]',
  '[fe80::1%25lo]',
  'fe80::1%eth0',
  '[localhost]',
  '[127.0.0.1]',
  '[::1',
  '::1]',
  'local_host',
  '127.1',
  '0x7f.0.0.1',
  '*.example.com',
  '-localhost',
  // valid ASCII names that do not resolve here: nginx may only fail to find them
  'xn--bcher-kva.example',
  'api.internal',
] as const;

/** What is slipped into a good host: invisible, bidi, full-width, brackets, separators and config metacharacters. */
const slipped = [
  '\u00ad',
  '\u200b',
  '\u200c',
  '\u200d',
  '\u2060',
  '\ufeff',
  '\u202e',
  '\u061c',
  'ｌ',
  '．',
  '%',
  '[',
  ']',
  ':',
  '/',
  '#',
  ';',
  '$',
  '{',
  '"',
  "'",
  '\\',
  ' ',
];

const goodHost = fc.constantFrom(...goodHosts);
/** A host built to be refused, or taken only when it is a valid ASCII name or address after all. */
const hostileHost: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...badHosts) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.constantFrom(...goodHosts), fc.nat(), fc.constantFrom(...slipped))
      .map(([good, at, extra]) => good.slice(0, at % (good.length + 1)) + extra + good.slice(at % (good.length + 1))),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
);

/** Unit names for a configuration-files item or `systemd.units`: good ones, and what systemd or a checkout would not take. */
const unitNames: fc.Arbitrary<string> = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom('alpha-api', 'worker@', 'worker@1', 'a.b', '_x', 'Bravo_2', 'x'.repeat(240)) },
  {
    weight: 2,
    arbitrary: fc.constantFrom('a:b', '-dash', 'x'.repeat(241), 'ünï', '..', '.hidden', 'a/b', '@x', 'a@b@c', '%n', '${X}', 'a\\x2db', 'api:v2', ''),
  },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('alpha', 'w@1'), fc.constantFrom(...slipped)).map(([good, extra]) => good + extra) },
);

const serviceNames = ['Alpha', 'Bravo', 'Charlie', 'Delta'] as const;

interface AddressSpec {
  /** Proxy targets, each at one of the HTTP services, by index: its host, written `host:port`. */
  targets: Array<{ service: number; host: string }>;
  /** A Bind detail per service, or none: its host, with the service's port after it or not. */
  binds: Array<{ host: string; withPort: boolean } | null>;
  /** One address of those (the `slot`-th, targets first, counted round) made hostile, or none: so that samples both generate and are refused. */
  twist: { slot: number; host: string } | null;
  /** A configuration-files item per service, or none. */
  listed: Array<string | null>;
  /** `systemd.units` in the config: service index → unit. */
  configured: Array<{ service: number; unit: string }>;
}

const addressSpec: fc.Arbitrary<AddressSpec> = fc.record({
  targets: fc.array(fc.record({ service: fc.nat({ max: 2 }), host: goodHost }), { minLength: 1, maxLength: 3 }),
  binds: fc.array(fc.option(fc.record({ host: goodHost, withPort: fc.boolean() }), { nil: null }), { minLength: 4, maxLength: 4 }),
  twist: fc.oneof(fc.constant(null), fc.record({ slot: fc.nat(), host: hostileHost })),
  listed: fc.array(fc.option(unitNames, { nil: null, freq: 3 }), { minLength: 4, maxLength: 4 }),
  // most configs name no unit: a bad one ends the run before the registry is read
  configured: fc.oneof(
    { weight: 3, arbitrary: fc.constant<AddressSpec['configured']>([]) },
    { weight: 1, arbitrary: fc.array(fc.record({ service: fc.nat({ max: 3 }), unit: unitNames }), { minLength: 1, maxLength: 2 }) },
  ),
});

/** A cell's text: one line, pipes escaped. */
const flat = (value: string): string =>
  value
    .replace(/[\r\n\u2028\u2029]+/g, ' ')
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|');
/** Inside a code span on one line: no backtick, no line break. */
const spanned = (value: string): string => value.replace(/[`\r\n\u2028\u2029]/g, '');

/** The spec with its twist applied: the one hostile address in its slot. */
function twisted(spec: AddressSpec): AddressSpec {
  if (!spec.twist) return spec;
  const slots = spec.targets.length + spec.binds.filter((bind) => bind !== null).length;
  const slot = spec.twist.slot % slots;
  const host = spec.twist.host;
  if (slot < spec.targets.length) return { ...spec, targets: spec.targets.map((target, index) => (index === slot ? { ...target, host } : target)) };
  let seen = spec.targets.length;
  return { ...spec, binds: spec.binds.map((bind) => (bind !== null && seen++ === slot ? { ...bind, host } : bind)) };
}

function addressMarkdown(spec: AddressSpec): string {
  const port = (index: number): number => 16100 + index;
  const lines = ['## Production', '', '| Service | Port | Protocol |', '|---|---|---|'];
  // Alpha, Bravo and Charlie speak HTTP (each can be a proxy target and gets an upstream); Delta is TCP
  for (const [index, name] of serviceNames.entries()) lines.push(`| ${name} | ${port(index)} | ${index < 3 ? 'HTTP' : 'TCP'} |`);
  lines.push('', '## Production External Access', '', '| Domain | Port | SSL | Proxy Target |', '|---|---|---|---|');
  for (const [index, target] of spec.targets.entries())
    lines.push(`| site${index}.example.com | 80 | ❌ | ${flat(`${target.host}:${port(target.service)}`)} |`);
  spec.binds.forEach((bind, index) => {
    if (bind) lines.push('', `### ${serviceNames[index]}`, '', `- **Bind**: \`${spanned(bind.withPort ? `${bind.host}:${port(index)}` : bind.host)}\``);
  });
  const listed = spec.listed.flatMap((unit, index) =>
    unit === null ? [] : [`- **${serviceNames[index]}**: \`/etc/systemd/system/${spanned(unit)}.service\``],
  );
  if (listed.length > 0) lines.push('', '## Configuration files', '', ...listed);
  lines.push('');
  return lines.join('\n');
}

/** What an address or unit name alone may draw: errors at its cell, and the warnings of an unusable or overridden unit. */
const addressRules = new Set(['proxy-target-invalid', 'bind-invalid', 'config-file-unmatched', 'unit-overridden', 'identifier-duplicate', 'encoding-mojibake']);

/**
 * nginx -t's verdict on names it cannot resolve here: `host not found` for a
 * name portbook took because it is a valid ASCII host name (`api.internal`)
 * is DNS, not syntax. Anything else is a refusal.
 */
function nginxRefusals(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((line) => /\[emerg\]/.test(line))
    .filter((line) => !/host not found in upstream "[A-Za-z0-9.-]+(:\d+)?"/.test(line));
}

describe('random proxy targets, bind addresses and unit names', () => {
  it('give positioned errors (or a config error naming the key), or outputs that nginx -t and systemd-analyze verify accept', () => {
    const cases = count(60);
    let generated = 0;
    let refused = 0;
    let configErrors = 0;
    fc.assert(
      fc.property(addressSpec, (spec) => {
        const dir = freshDir();
        const source = path.join(dir, 'PORTS.md');
        const text = addressMarkdown(twisted(spec));
        writeFileSync(source, text);
        const config = path.join(dir, 'portbook.config.json');
        const units = Object.fromEntries(spec.configured.map(({ service, unit }) => [serviceNames[service], unit]));
        writeFileSync(config, JSON.stringify({ ...baseConfig, systemd: { units } }));
        const out = path.join(dir, 'generated');
        let result: ReturnType<typeof generate>;
        try {
          result = generate({ source, out, cwd: dir, config });
        } catch (error) {
          // a unit name the config gives is the config's to fix: exit 2, naming its key
          expect(error, String(error)).toBeInstanceOf(PortbookError);
          expect((error as Error).message).toMatch(/`systemd\.units\["(Alpha|Bravo|Charlie|Delta)"\]` must be (a unit name|a non-empty string)/);
          configErrors++;
          return;
        }
        for (const message of result.diagnostics) {
          expect(message.line, message.reason).toBeGreaterThan(0);
          expect(message.column, message.reason).toBeGreaterThan(0);
          expect(addressRules.has(message.ruleId ?? ''), `${message.ruleId}: ${message.reason}\n${text}`).toBe(true);
        }
        if (!result.files) {
          expect(result.diagnostics.some((message) => message.fatal)).toBe(true);
          expect(existsSync(out)).toBe(false);
          refused++;
          return;
        }
        expect(grammarViolations(result.files)).toEqual([]);
        generated++;
        if (skipConsumers) return;
        const nginxFiles = [...result.files.keys()].filter((file) => file.startsWith('nginx/')).map((file) => path.join(out, file));
        const nginx = nginxTest(nginxFiles, freshDir());
        expect(nginxRefusals(nginx.stderr), `nginx -t\n${nginx.stderr}\n${text}`).toEqual([]);
        for (const [file, content] of result.files) {
          if (!file.endsWith('/portbook.conf')) continue;
          const unit = path.basename(path.dirname(file)).replace(/\.service\.d$/, '');
          const verified = systemdVerify(unit, content, freshDir());
          expect({ status: verified.status, out: verified.stdout + verified.stderr }, `systemd-analyze verify ${file}\n${text}`).toEqual({
            status: 0,
            out: '',
          });
        }
        const python = run(python3, ['-S', '-B', '-c', 'import settings'], { cwd: out });
        expect(python.status, python.stderr).toBe(0);
      }),
      settings(cases),
    );
    // not vacuous: each way out is taken (about a third generates, two in five are refused, one in five is a config error;
    // a sixth is three standard deviations below the first)
    expect(generated).toBeGreaterThan(cases / 6);
    expect(refused).toBeGreaterThan(cases / 10);
    expect(configErrors).toBeGreaterThan(0);
  });
});
