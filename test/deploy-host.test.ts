/**
 * portbook deploy and drift on a host under a temporary root, with the real
 * consumers (nginx -T, systemd-analyze verify) and a stub systemctl first on
 * PATH that records what it is asked, never the real one. Issue 20's first
 * Done-when test is the first one here.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderOptionsFrom } from '../src/config/load.js';
import { isLocalHost, passTarget, statements } from '../src/deploy/nginx-config.js';
import { environmentWords } from '../src/deploy/systemd.js';
import { consumerEnv, openssl, run, skipConsumers, warnIfSkipped, write } from './consumers.js';
import { temporaryDirs } from './helpers.js';

warnIfSkipped('deploy-host.test.ts');

const temporaryDir = temporaryDirs('host');
const bin = fileURLToPath(new URL('../bin/portbook.cjs', import.meta.url));
const creatorSuite = readFileSync(new URL('./fixtures/seeds/creator-suite.md', import.meta.url), 'utf8');
const domains = ['video.destinpq.com', 'video-api.destinpq.com'];

/** Debian 12's nginx.conf, its comments left out: conf.d and sites-enabled included in http {}, logs and pid where Debian has them. */
const debianNginxConf = `user www-data;
worker_processes auto;
pid /run/nginx.pid;
error_log /var/log/nginx/error.log;
include /etc/nginx/modules-enabled/*.conf;

events {
\tworker_connections 768;
}

http {
\tsendfile on;
\ttcp_nopush on;
\ttypes_hash_max_size 2048;
\tinclude /etc/nginx/mime.types;
\tdefault_type application/octet-stream;
\tssl_protocols TLSv1.2 TLSv1.3;
\tssl_prefer_server_ciphers on;
\taccess_log /var/log/nginx/access.log;
\tgzip on;
\tinclude /etc/nginx/conf.d/*.conf;
\tinclude /etc/nginx/sites-enabled/*;
}
`;

const mimeTypes = 'types {\n    text/html html htm;\n    text/plain txt;\n    application/json json;\n}\n';

/** Debian's own default site: a default_server on port 80, as nginx-light installs it. */
const debianDefaultSite = 'server {\n\tlisten 80 default_server;\n\tlisten [::]:80 default_server;\n\troot /var/www/html;\n\tserver_name _;\n}\n';

/** A base unit as a team writes it: portbook's drop-in goes beside it. */
const baseUnit = (name: string, extra = ''): string =>
  `[Unit]\nDescription=${name}\n\n[Service]\nExecStart=/bin/true\n${extra}\n[Install]\nWantedBy=multi-user.target\n`;

/** One self-signed certificate, made once per test file, for every domain. */
let certificate: { cert: string; key: string } | undefined;
function testCertificate(): { cert: string; key: string } {
  if (certificate) return certificate;
  const dir = temporaryDir();
  const made = run(openssl, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=test', '-days', '1', '-keyout', 'key.pem', '-out', 'cert.pem'], {
    cwd: dir,
  });
  if (made.status !== 0) throw new Error(`openssl could not make a test certificate:\n${made.stderr}`);
  certificate = { cert: readFileSync(path.join(dir, 'cert.pem'), 'utf8'), key: readFileSync(path.join(dir, 'key.pem'), 'utf8') };
  return certificate;
}

/**
 * A host under a temporary root: nginx's tree (Debian's nginx.conf,
 * mime.types, empty conf.d, sites-enabled, modules-enabled), certbot's
 * certificates for the Creator Suite domains, a base unit per service and
 * /bin/true (systemd-analyze looks for programs under the root).
 */
function makeHost(units: Record<string, string> = { 'creator-suite-api': baseUnit('api'), 'creator-suite-frontend': baseUnit('frontend') }): string {
  const root = temporaryDir();
  chmodSync(root, 0o755);
  write(path.join(root, 'etc/nginx/nginx.conf'), debianNginxConf);
  write(path.join(root, 'etc/nginx/mime.types'), mimeTypes);
  for (const dir of ['conf.d', 'sites-enabled', 'modules-enabled']) mkdirSync(path.join(root, 'etc/nginx', dir), { recursive: true });
  const { cert, key } = testCertificate();
  for (const domain of domains) {
    write(path.join(root, `etc/letsencrypt/live/${domain}/fullchain.pem`), cert);
    write(path.join(root, `etc/letsencrypt/live/${domain}/privkey.pem`), key);
  }
  for (const [unit, text] of Object.entries(units)) write(path.join(root, `etc/systemd/system/${unit}.service`), text);
  write(path.join(root, 'bin/true'), '#!/bin/sh\nexit 0\n');
  chmodSync(path.join(root, 'bin/true'), 0o755);
  return root;
}

/** A project with `registry` as docs/PORTS.md and `config` as its portbook.config.json. */
function makeProject(registry: string, config: unknown = {}): string {
  const dir = temporaryDir();
  chmodSync(dir, 0o755);
  write(path.join(dir, 'package.json'), '{}\n');
  write(path.join(dir, 'docs/PORTS.md'), registry);
  write(path.join(dir, 'portbook.config.json'), JSON.stringify(config));
  return dir;
}

/**
 * A stub `systemctl` in its own directory, to go first on PATH: it appends
 * its arguments to `log`, and fails `reload nginx` (exit 1, with a message)
 * once when the file `fail-reload` exists beside it, removing that file.
 */
function stubSystemctl(): { dir: string; log: string; failReloadOnce: () => void; calls: () => string[] } {
  const dir = temporaryDir();
  chmodSync(dir, 0o755);
  const log = path.join(dir, 'systemctl.log');
  const fail = path.join(dir, 'fail-reload');
  write(
    path.join(dir, 'systemctl'),
    `#!/bin/sh\necho "$*" >> '${log}'\nif [ "$*" = "reload nginx" ] && [ -e '${fail}' ]; then rm '${fail}'; echo "Job for nginx.service failed." >&2; exit 1; fi\nexit 0\n`,
  );
  chmodSync(path.join(dir, 'systemctl'), 0o755);
  return {
    dir,
    log,
    failReloadOnce: () => writeFileSync(fail, ''),
    calls: () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []),
  };
}

interface Cli {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The CLI as a process (bin/portbook.cjs) in `cwd`, with the stub's directory first on PATH; `as` runs it as another user (setpriv). */
function portbook(args: string[], cwd: string, stub: { dir: string }, as?: number): Cli {
  const env = { ...consumerEnv, PATH: `${stub.dir}:${consumerEnv.PATH ?? '/usr/bin:/bin'}`, NO_COLOR: '1' };
  const command =
    as === undefined ? [process.execPath, bin, ...args] : ['setpriv', `--reuid=${as}`, `--regid=${as}`, '--clear-groups', process.execPath, bin, ...args];
  const result = spawnSync(command[0]!, command.slice(1), { cwd, env, encoding: 'utf8', timeout: 4 * 60_000, killSignal: 'SIGKILL' });
  if (result.error) throw result.error;
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Every file under `dir` (relative paths) with its content, links followed. */
function tree(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (at: string): void => {
    for (const name of readdirSync(at).sort()) {
      const full = path.join(at, name);
      if (statSync(full).isDirectory()) walk(full);
      else files[path.relative(dir, full)] = readFileSync(full, 'utf8');
    }
  };
  walk(dir);
  return files;
}

const apiDropIn = 'etc/systemd/system/creator-suite-api.service.d/portbook.conf';
const frontendDropIn = 'etc/systemd/system/creator-suite-frontend.service.d/portbook.conf';
const deployedFiles = [
  '/etc/nginx/conf.d/portbook.default-server.conf',
  '/etc/nginx/conf.d/portbook.default.conf',
  '/etc/portbook/default.env',
  `/${apiDropIn}`,
  `/${frontendDropIn}`,
];

describe.skipIf(skipConsumers)('deploy and drift under --root (issue 20: the Done-when test)', () => {
  it('deploys the Creator Suite registry: --plan lists it, deploy writes it, a hand edit is drift, a registry change restarts only its unit', () => {
    const root = makeHost();
    const project = makeProject(creatorSuite);
    const stub = stubSystemctl();
    const before = tree(root);

    const planned = portbook(['deploy', '--root', root, '--plan'], project, stub);
    expect(planned.code).toBe(0);
    expect(planned.stdout).toContain(`Plan for the default environment under --root ${root} (from docs/PORTS.md):\n`);
    for (const file of deployedFiles) expect(planned.stdout).toContain(`create   ${file}\n`);
    expect(planned.stdout).toContain('checked  nginx -T -c /etc/nginx/nginx.conf\n');
    expect(planned.stdout).toContain('checked  systemd-analyze verify creator-suite-api.service creator-suite-frontend.service\n');
    expect(planned.stdout).toContain(
      'run      systemctl daemon-reload\nrun      systemctl try-restart creator-suite-api.service creator-suite-frontend.service\nrun      systemctl reload nginx\n',
    );
    expect(planned.stdout).toContain('Plan only: nothing was written and nothing ran.');
    expect(tree(root)).toEqual(before);
    expect(stub.calls()).toEqual([]);

    const deployed = portbook(['deploy', '--root', root], project, stub);
    expect(deployed.code).toBe(0);
    for (const file of deployedFiles) expect(deployed.stdout).toContain(`created  ${file}\n`);
    expect(deployed.stdout).toContain('Deployed: 5 files changed.');
    expect(stub.calls()).toEqual(['daemon-reload', 'try-restart creator-suite-api.service creator-suite-frontend.service', 'reload nginx']);
    expect(readFileSync(path.join(root, apiDropIn), 'utf8')).toContain('Environment="PORT=17354"\n');
    expect(readFileSync(path.join(root, 'etc/nginx/conf.d/portbook.default.conf'), 'utf8')).toContain('server 127.0.0.1:17354;');
    expect(readFileSync(path.join(root, 'etc/portbook/default.env'), 'utf8')).toContain('CREATOR_SUITE_API_PORT=17354\n');
    const record = JSON.parse(readFileSync(path.join(root, 'var/lib/portbook/deployed.json'), 'utf8'));
    expect(Object.keys(record.records.default.files)).toEqual(deployedFiles);
    expect(portbook(['drift', '--root', root], project, stub)).toMatchObject({ code: 0, stdout: expect.stringContaining('No drift') });

    // someone edits a drop-in on the host
    const frontend = readFileSync(path.join(root, frontendDropIn), 'utf8');
    writeFileSync(path.join(root, frontendDropIn), frontend.replace('WEB_CONCURRENCY=1', 'WEB_CONCURRENCY=2'));
    const drifted = portbook(['drift', '--root', root], project, stub);
    expect(drifted.code).toBe(1);
    expect(drifted.stdout).toContain(`edited      /${frontendDropIn}: edited on the host since portbook deployed it\n`);
    expect(drifted.stdout).toContain('4 files as deployed\n');
    const json = JSON.parse(portbook(['drift', '--root', root, '--json'], project, stub).stdout);
    expect(json.drift).toBe(true);
    expect(json.files.filter((file: { status: string }) => file.status !== 'same')).toEqual([
      { path: `/${frontendDropIn}`, target: 'systemd', status: 'edited' },
    ]);
    // deploy refuses to replace the edit, and says so
    const refused = portbook(['deploy', '--root', root], project, stub);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`portbook: /${frontendDropIn} was edited on the host since portbook deployed it:`);
    expect(refused.stderr).toContain('-Environment="WEB_CONCURRENCY=2"\n');
    expect(stub.calls()).toHaveLength(3);
    writeFileSync(path.join(root, frontendDropIn), frontend);

    // the registry moves the API to another port: only its unit restarts
    writeFileSync(path.join(project, 'docs/PORTS.md'), creatorSuite.replaceAll('17354', '17350'));
    const again = portbook(['deploy', '--root', root], project, stub);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(
      `updated  /etc/nginx/conf.d/portbook.default.conf\nupdated  /etc/portbook/default.env\nupdated  /${apiDropIn}\n2 files unchanged\n`,
    );
    expect(stub.calls().slice(3)).toEqual(['daemon-reload', 'try-restart creator-suite-api.service', 'reload nginx']);
    expect(readFileSync(path.join(root, apiDropIn), 'utf8')).toContain('Environment="PORT=17350"\n');
    expect(readFileSync(path.join(root, frontendDropIn), 'utf8')).toBe(frontend);
    expect(portbook(['drift', '--root', root], project, stub).code).toBe(0);
  });
});
