/**
 * Who is wrong decides the exit code (#18). Registry content that is wrong is
 * a diagnostic at its cell and exit 1, also when the config is stale too (the
 * registry is read first); a config that asks for what the registry does not
 * have (a service, a domain, an environment it does not name) has no cell to
 * point at: exit 2, with the config's key and what to do.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, temporaryDirs, writeProject } from './helpers.js';

const temporaryDir = temporaryDirs('exit-codes');

const registry = `## Production

| Service | Port | Protocol |
|---|---|---|
| API | 16000 | HTTP |
| Worker | 16001 | TCP |

## Production External Access

| Domain | Port | SSL | Proxy Target |
|---|---|---|---|
| api.example.com | 443 | ✅ | 127.0.0.1:16000 |

## Configuration files

- **Worker**: \`/etc/systemd/system/worker@.service\`
`;

function run(config: object, markdown = registry): { code: number; stderr: string } {
  const dir = writeProject(temporaryDir(), markdown);
  writeFileSync(path.join(dir, 'portbook.config.json'), JSON.stringify(config));
  const { code, stderr } = runCli(['gen'], dir);
  expect(stderr).not.toMatch(/\n\s+at /);
  return { code, stderr };
}

describe('a config that asks for what the registry does not have: exit 2, naming the key and the fix', () => {
  it.each([
    [
      'systemd.units names a service the registry does not have',
      { systemd: { units: { worker: 'worker' } } },
      /portbook\.config\.json: systemd\.units names "worker", but no service in docs\/PORTS\.md is called that; did you mean "Worker"\? Fix the name, or remove the entry$/,
    ],
    [
      'systemd.services names a service the registry does not have',
      { systemd: { services: { Api: { execStart: '/usr/bin/api' } } } },
      /the config's `systemd\.services` names "Api", but no service in docs\/PORTS\.md is called that; did you mean "API"\? Fix the name, or remove the entry$/,
    ],
    [
      'systemd.services asks for a full unit of a template unit the registry lists',
      { systemd: { services: { Worker: { execStart: '/usr/bin/worker' } } } },
      /the config's `systemd\.services\["Worker"\]` asks for a full unit, but worker@ is a template or instance unit: .*keep the drop-in for it/,
    ],
    [
      'systemd.services asks for a full unit without a command from either side',
      { systemd: { services: { API: {} } } },
      /the config's `systemd\.services\["API"\]` asks for a full unit, but gives no `execStart` and docs\/PORTS\.md gives API no `ExecStart` detail: add one of them$/,
    ],
    [
      'settings.environment names an environment with no services',
      { settings: { environment: 'staging' } },
      /settings\.environment in the config is `staging`, but the registry has services only in: production: set it to one of them, or add services to the staging environment$/,
    ],
    [
      'settings.environmentVariable is the variable of a service',
      { settings: { environmentVariable: 'API_PORT' } },
      /settings\.environmentVariable in the config is `API_PORT`, which is also the variable of a service \(`API`\): choose another name/,
    ],
    [
      'nginx.behindProxy names a domain no row serves',
      { nginx: { behindProxy: ['ghost.example.com'] } },
      /nginx\.behindProxy in the config names `ghost\.example\.com`, which no External Access row serves: fix the name, or remove it$/,
    ],
  ])('%s', (_, config, message) => {
    const { code, stderr } = run(config);
    expect(code, stderr).toBe(2);
    expect(stderr.trim()).toMatch(message);
  });
});

describe('registry content that is wrong: exit 1 with a diagnostic at its cell, whatever the config says', () => {
  it('reads the registry before the config that names its services, so a broken row is said first', () => {
    // the stale entry is what a broken name cell looks like from the config: the registry's error is the one to fix
    const broken = registry.replace('| Worker | 16001 | TCP |', '| Worker | 16001x | TCP |');
    const { code, stderr } = run({ systemd: { units: { Wroker: 'worker' } } }, broken);
    expect(code, stderr).toBe(1);
    expect(stderr).toMatch(/^docs\/PORTS\.md:6:12 error .* port-not-integer$/m);
    expect(stderr).not.toContain('systemd.units');
  });

  it.each([
    ['a service name of 250 characters', registry.replace('| Worker |', `| ${'W'.repeat(250)} |`), 'name-too-long'],
    ['a bind address with a zone id', `${registry}\n### API\n\n- **Bind**: \`fe80::1%eth0\`\n`, 'bind-invalid'],
    ['a proxy target in full-width characters', registry.replace('127.0.0.1:16000', 'ｌｏｃａｌｈｏｓｔ:16000'), 'proxy-target-invalid'],
    ['a unit name with a colon', registry.replace('worker@.service', 'worker:v2.service'), 'config-file-unmatched'],
  ])('%s', (_, markdown, rule) => {
    const { code, stderr } = run({}, markdown);
    expect(stderr).toMatch(new RegExp(`^docs/PORTS\\.md:\\d+:\\d+ (error|warning) .* ${rule}$`, 'm'));
    expect(code, stderr).toBe(rule === 'config-file-unmatched' ? 0 : 1);
  });
});
