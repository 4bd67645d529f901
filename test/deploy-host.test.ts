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
import { skipAppConsumers, warnIfAppConsumersSkipped } from './app-consumers.js';
import { consumerEnv, openssl, run, skipConsumers, warnIfSkipped, write } from './consumers.js';
import { nft, privateNetwork, skipFirewallConsumers, sysctl, unshare, warnIfFirewallSkipped } from './firewall-consumers.js';
import { temporaryDirs } from './helpers.js';

warnIfSkipped('deploy-host.test.ts');
warnIfFirewallSkipped('deploy-host.test.ts');
warnIfAppConsumersSkipped('deploy-host.test.ts');

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

/**
 * A stub `name` in the stub's directory (first on PATH), never the real
 * program: it appends its arguments to `<name>.log` beside it, and fails
 * (exit 1, with a message) once when `fail-<name>` exists there, removing it.
 */
function stubProgram(stub: { dir: string }, name: string): { failOnce: () => void; calls: () => string[] } {
  const log = path.join(stub.dir, `${name}.log`);
  const fail = path.join(stub.dir, `fail-${name}`);
  write(
    path.join(stub.dir, name),
    `#!/bin/sh\necho "$*" >> '${log}'\nif [ -e '${fail}' ]; then rm '${fail}'; echo "${name}: refused by the test" >&2; exit 1; fi\nexit 0\n`,
  );
  chmodSync(path.join(stub.dir, name), 0o755);
  return { failOnce: () => writeFileSync(fail, ''), calls: () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []) };
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
    // act only on change: the same registry again writes and runs nothing
    const same = portbook(['deploy', '--root', root], project, stub);
    expect(same).toMatchObject({ code: 0, stdout: expect.stringContaining('5 files unchanged\n') });
    expect(same.stdout).toContain('The host is up to date: nothing to do.');
    expect(stub.calls()).toHaveLength(3);

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

describe.skipIf(skipConsumers)('deploy refuses, and puts back', () => {
  it('writes nothing when nginx rejects the candidates, and says what nginx said about the host file', () => {
    const root = makeHost();
    write(path.join(root, 'etc/nginx/sites-enabled/default'), debianDefaultSite);
    const project = makeProject(creatorSuite);
    const stub = stubSystemctl();
    const before = tree(root);
    const result = portbook(['deploy', '--root', root], project, stub);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('portbook: the candidates fail `nginx -T -c /etc/nginx/nginx.conf`: exited 1:\n');
    expect(result.stderr).toContain('nginx: [emerg] a duplicate default server for 0.0.0.0:80 in /etc/nginx/sites-enabled/default:2\n');
    expect(result.stderr).toContain('Nothing was written; the host is as it was.\n');
    expect(tree(root)).toEqual(before);
    expect(stub.calls()).toEqual([]);
    // --plan says the same, and exits 1 too
    expect(portbook(['deploy', '--root', root, '--plan'], project, stub).code).toBe(1);
  });

  it('writes nothing when systemd-analyze rejects a unit: a drop-in for a unit the host does not have', () => {
    const root = makeHost({ 'creator-suite-api': baseUnit('api') });
    const project = makeProject(creatorSuite);
    const stub = stubSystemctl();
    const before = tree(root);
    const result = portbook(['deploy', '--root', root], project, stub);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('portbook: the candidates fail `systemd-analyze verify creator-suite-api.service creator-suite-frontend.service`');
    expect(result.stderr).toContain(
      "Unit creator-suite-frontend.service not found.\n(portbook writes a drop-in for creator-suite-frontend.service, which the host does not have: install the service's own unit first",
    );
    expect(tree(root)).toEqual(before);
    expect(stub.calls()).toEqual([]);
  });

  it('writes nothing when nginx would not load the files: nginx.conf includes no conf.d', () => {
    const root = makeHost();
    write(path.join(root, 'etc/nginx/nginx.conf'), debianNginxConf.replace('\tinclude /etc/nginx/conf.d/*.conf;\n', ''));
    const project = makeProject(creatorSuite);
    const stub = stubSystemctl();
    const result = portbook(['deploy', '--root', root], project, stub);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'nginx loads /etc/nginx/nginx.conf, but not /etc/nginx/conf.d/portbook.default-server.conf, /etc/nginx/conf.d/portbook.default.conf: include the directory in its http {} block (`include /etc/nginx/conf.d/*.conf;`), or set deploy.nginx to a directory it includes',
    );
    expect(existsSync(path.join(root, 'etc/nginx/conf.d/portbook.default.conf'))).toBe(false);
  });

  it('puts the previous files back when a reload fails, and reloads them', () => {
    const root = makeHost();
    const project = makeProject(creatorSuite);
    const stub = stubSystemctl();
    expect(portbook(['deploy', '--root', root], project, stub).code).toBe(0);
    const deployed = tree(root);
    writeFileSync(path.join(project, 'docs/PORTS.md'), creatorSuite.replaceAll('17354', '17350'));
    stub.failReloadOnce();
    const result = portbook(['deploy', '--root', root], project, stub);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('portbook: `systemctl reload nginx` failed after the files were replaced: exited 1:\nJob for nginx.service failed.\n');
    expect(result.stderr).toContain(
      'The previous files were put back; to return the host to them, portbook ran:\n  ok      systemctl daemon-reload\n  ok      systemctl try-restart creator-suite-api.service\n  ok      systemctl reload nginx\n',
    );
    expect(tree(root)).toEqual(deployed);
    expect(stub.calls().slice(3)).toEqual([
      'daemon-reload',
      'try-restart creator-suite-api.service',
      'reload nginx',
      'daemon-reload',
      'try-restart creator-suite-api.service',
      'reload nginx',
    ]);
    // the next deploy tries again, from the same state
    expect(portbook(['deploy', '--root', root, '--plan'], project, stub).stdout).toContain(`update   /${apiDropIn}\n`);
  });

  it('keeps everything under --root: nothing outside it changes, and no scratch directory is left', () => {
    const watched = ['/etc/nginx/conf.d', '/etc/systemd/system', '/etc/portbook', '/var/lib/portbook'];
    const snapshot = (): unknown =>
      watched.map((dir) => (existsSync(dir) ? readdirSync(dir).map((name) => [name, statSync(path.join(dir, name)).mtimeMs]) : null));
    const scratch = (dir: string): string[] => readdirSync(dir).filter((name) => name.startsWith('.portbook-check-'));
    const host = snapshot();
    const root = makeHost();
    const fixture = Object.keys(tree(root));
    const project = makeProject(creatorSuite);
    const stub = stubSystemctl();
    expect(portbook(['deploy', '--root', root], project, stub).code).toBe(0);
    expect(Object.keys(tree(root)).sort()).toEqual([...fixture, ...deployedFiles.map((file) => file.slice(1)), 'var/lib/portbook/deployed.json'].sort());
    expect(snapshot()).toEqual(host);
    expect(scratch(root)).toEqual([]);
    // what a run that has ended left in the temporary directory (another test's run may be alive)
    expect(scratch(os.tmpdir()).filter((name) => !existsSync(`/proc/${name.split('-')[2]}`))).toEqual([]);
  });

  it('refuses a link in the root that leads out of it, and follows one that stays inside', () => {
    const outside = temporaryDir();
    const root = makeHost();
    const project = makeProject(creatorSuite);
    const stub = stubSystemctl();
    rmSync(path.join(root, 'etc/nginx/conf.d'), { recursive: true });
    symlinkSync(outside, path.join(root, 'etc/nginx/conf.d'));
    const refused = portbook(['deploy', '--root', root], project, stub);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`${root}/etc/nginx/conf.d links outside the root (to ${outside}); portbook reads and writes only under --root`);
    expect(readdirSync(outside)).toEqual([]);
    expect(stub.calls()).toEqual([]);
    // the same directory through a link inside the root
    unlinkSync(path.join(root, 'etc/nginx/conf.d'));
    mkdirSync(path.join(root, 'etc/nginx/portbook.d'));
    symlinkSync('portbook.d', path.join(root, 'etc/nginx/conf.d'));
    expect(portbook(['deploy', '--root', root], project, stub).code).toBe(0);
    expect(readdirSync(path.join(root, 'etc/nginx/portbook.d'))).toEqual(['portbook.default-server.conf', 'portbook.default.conf']);
  });

  it('says which directory it may not write, before writing anything (exit 2)', () => {
    const root = makeHost();
    const project = makeProject(creatorSuite);
    const stub = stubSystemctl();
    const before = tree(root);
    // as root, the test runs portbook as nobody; as anyone else, it takes the write permission away
    const asRoot = process.getuid?.() === 0;
    if (!asRoot) chmodSync(path.join(root, 'etc/nginx/conf.d'), 0o555);
    const result = portbook(['deploy', '--root', root], project, stub, asRoot ? 65534 : undefined);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `portbook: Cannot write in ${root}/etc/nginx/conf.d (EACCES): this user may not; run portbook as a user who may (root, with sudo), or try it first under --root DIR. Nothing was written.`,
    );
    expect(tree(root)).toEqual(before);
    expect(stub.calls()).toEqual([]);
  });
});

describe.skipIf(skipConsumers)('drift', () => {
  it('names routes to a registered port in files portbook did not deploy, routes to ports no table registers, and units whose PORT disagrees', () => {
    const root = makeHost({
      'creator-suite-api': baseUnit('api'),
      'creator-suite-frontend': baseUnit('frontend', 'Environment="PORT=8000" DEBUG=1\n'),
    });
    const project = makeProject(creatorSuite);
    const stub = stubSystemctl();
    expect(portbook(['deploy', '--root', root], project, stub).code).toBe(0);
    write(
      path.join(root, 'etc/nginx/sites-enabled/admin'),
      [
        'upstream legacy {',
        '    server 127.0.0.1:9999;',
        '}',
        'server {',
        '    listen 8081;',
        '    server_name admin.example.com;',
        '    location / { proxy_pass http://127.0.0.1:17354; }',
        '    location /web { proxy_pass http://creator_suite_frontend/web; }',
        '    location /old { proxy_pass http://legacy; }',
        '    location /elsewhere { proxy_pass http://10.0.0.5:17354; }',
        '    location /dynamic { proxy_pass http://127.0.0.1:$arg_port; }',
        '}',
        '',
      ].join('\n'),
    );
    const result = portbook(['drift', '--root', root], project, stub);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('5 files as deployed\n');
    const lines = result.stdout.split('\n').filter((line) => line.startsWith('route') || line.startsWith('unit'));
    expect(lines).toEqual([
      "route      /etc/nginx/sites-enabled/admin:7 (server admin.example.com) proxies to 127.0.0.1:17354, a port the registry gives Creator Suite API (default), in a file portbook did not deploy: let the registry's External Access table route it, or remove this route",
      "route      /etc/nginx/sites-enabled/admin:8 (server admin.example.com) proxies to 127.0.0.1:16532 through upstream creator_suite_frontend, a port the registry gives Creator Suite Frontend (default), in a file portbook did not deploy: let the registry's External Access table route it, or remove this route",
      'route      /etc/nginx/sites-enabled/admin:9 (server admin.example.com) proxies to 127.0.0.1:9999 through upstream legacy, a port no table registers: register it (`portbook add`), or remove this route',
      'unit       /etc/systemd/system/creator-suite-frontend.service:6 sets PORT=8000 for creator-suite-frontend.service, but the registry gives Creator Suite Frontend port 16532: change the unit, or the registry',
    ]);
    const json = JSON.parse(portbook(['drift', '--root', root, '--json'], project, stub).stdout);
    expect(json.routes.map((route: { line: number; port: number; services: string[] }) => [route.line, route.port, route.services])).toEqual([
      [7, 17354, ['Creator Suite API (default)']],
      [8, 16532, ['Creator Suite Frontend (default)']],
      [9, 9999, []],
    ]);
    expect(json.units).toEqual([
      {
        unit: 'creator-suite-frontend.service',
        service: 'Creator Suite Frontend',
        file: '/etc/systemd/system/creator-suite-frontend.service',
        line: 6,
        variable: 'PORT',
        value: '8000',
        port: 16532,
      },
    ]);
  });

  it('reports files missing, outdated and left behind, and a host nginx that does not load', () => {
    const root = makeHost();
    const project = makeProject(creatorSuite);
    const stub = stubSystemctl();
    const missing = JSON.parse(portbook(['drift', '--root', root, '--json'], project, stub).stdout);
    expect(missing.files.map((file: { status: string }) => file.status)).toEqual(['missing', 'missing', 'missing', 'missing', 'missing']);
    expect(portbook(['deploy', '--root', root], project, stub).code).toBe(0);
    // the frontend leaves the registry; the API moves: nothing deployed yet
    const withoutFrontend = creatorSuite
      .replace(/^\| \*\*Creator Suite Frontend\*\*.*\n/m, '')
      .replace(/^\| `https:\/\/video\.destinpq\.com`.*\n/m, '')
      .replaceAll('17354', '17350');
    writeFileSync(path.join(project, 'docs/PORTS.md'), withoutFrontend);
    const result = portbook(['drift', '--root', root], project, stub);
    expect(result.stderr).not.toContain(' error ');
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`outdated    /${apiDropIn}: as portbook deployed it from an older registry; \`portbook deploy\` updates it\n`);
    expect(result.stdout).toContain(`left-behind /${frontendDropIn}: deployed for something the registry no longer has; \`portbook deploy\` removes it\n`);
    write(path.join(root, 'etc/nginx/sites-enabled/broken'), 'server { listen 80; bogus_directive on; }\n');
    const broken = portbook(['drift', '--root', root], project, stub);
    expect(broken.stdout).toContain(
      'nginx      `nginx -T -c /etc/nginx/nginx.conf` fails on the host\'s configuration: exited 1:\nnginx: [emerg] unknown directive "bogus_directive" in /etc/nginx/sites-enabled/broken:1',
    );
  });

  it('exits 2 with what to do when the registry has several environments and --env names none, or one it does not have', () => {
    const root = makeHost();
    const project = makeProject(
      '## Development\n\n| Service | Port |\n|---|---|\n| api | 16000 |\n\n## Production\n\n| Service | Port |\n|---|---|\n| api | 16100 |\n',
    );
    const stub = stubSystemctl();
    const none = portbook(['drift', '--root', root], project, stub);
    expect(none).toMatchObject({
      code: 2,
      stderr: 'portbook: docs/PORTS.md has the environments development, production: choose one with --env (e.g. --env production)\n',
    });
    expect(portbook(['deploy', '--root', root, '--env', 'staging'], project, stub)).toMatchObject({
      code: 2,
      stderr: 'portbook: docs/PORTS.md has no staging environment; it has development, production: choose one of them with --env\n',
    });
    const json = JSON.parse(portbook(['deploy', '--root', root, '--json'], project, stub).stdout);
    expect(json.error.exitCode).toBe(2);
  });
});

describe.skipIf(skipConsumers)('deploy over time', () => {
  it('removes what the registry no longer has, stops a full unit that goes, keeps a left-behind file edited on the host', () => {
    const registry = (services: string[], port = 16100): string =>
      [
        '| Service | Port | Protocol |',
        '|---|---|---|',
        ...services.map((service, index) => `| ${service} | ${port + index} | ${service === 'Worker' ? 'TCP' : 'HTTP'} |`),
        '',
        `#### API Port: ${port}`,
        '- **ExecStart**: `/bin/true`',
        '- **Socket Activation**: yes',
        '',
      ].join('\n');
    const root = makeHost({ web: baseUnit('web'), reporter: baseUnit('reporter', 'EnvironmentFile=-/etc/portbook/default.env\n') });
    const config = { targets: ['env', 'systemd'], systemd: { services: { API: {}, Worker: { execStart: '/bin/true' } } } };
    const project = makeProject(registry(['API', 'Worker', 'Web']), config);
    const stub = stubSystemctl();
    const first = portbook(['deploy', '--root', root], project, stub);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(
      'created  /etc/portbook/default.env\ncreated  /etc/systemd/system/api.service\ncreated  /etc/systemd/system/api.socket\ncreated  /etc/systemd/system/web.service.d/portbook.conf\ncreated  /etc/systemd/system/worker.service\n',
    );
    expect(first.stdout).toContain('checked  systemd-analyze verify api.service api.socket web.service worker.service\n');
    expect(first.stdout).toContain('note     api.socket is new: deploy restarts only units that run; start it with `systemctl enable --now api.socket`\n');
    expect(first.stdout).toContain(
      'note     worker.service is new: deploy restarts only units that run; start it with `systemctl enable --now worker.service`\n',
    );
    expect(first.stdout).not.toContain('note     api.service');
    // the env file is new: the unit that reads it restarts with the others
    expect(stub.calls()).toEqual(['daemon-reload', 'try-restart api.service api.socket reporter.service web.service worker.service']);

    // the API moves (its socket with it), the worker goes, the web drop-in was edited on the host and goes too
    const webDropIn = path.join(root, 'etc/systemd/system/web.service.d/portbook.conf');
    writeFileSync(webDropIn, `${readFileSync(webDropIn, 'utf8')}Environment=EXTRA=1\n`);
    writeFileSync(path.join(project, 'docs/PORTS.md'), registry(['API'], 16200));
    writeFileSync(path.join(project, 'portbook.config.json'), JSON.stringify({ ...config, systemd: { services: { API: {} } } }));
    const second = portbook(['deploy', '--root', root], project, stub);
    expect(second.stderr).toBe('');
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(
      'updated  /etc/portbook/default.env\nupdated  /etc/systemd/system/api.service\nupdated  /etc/systemd/system/api.socket\nremoved  /etc/systemd/system/worker.service\n',
    );
    expect(second.stdout).toContain(
      'kept     /etc/systemd/system/web.service.d/portbook.conf: no longer rendered, but edited on the host since portbook deployed it: not removed',
    );
    expect(stub.calls().slice(2)).toEqual(['stop worker.service', 'daemon-reload', 'try-restart api.service api.socket reporter.service']);
    expect(existsSync(path.join(root, 'etc/systemd/system/worker.service'))).toBe(false);
    expect(existsSync(webDropIn)).toBe(true);
    const drift = portbook(['drift', '--root', root], project, stub);
    expect(drift.stdout).toContain('left-behind /etc/systemd/system/web.service.d/portbook.conf');
  });

  it('names files after the project with deploy.name, and refuses a file another project deployed', () => {
    const root = makeHost();
    const stub = stubSystemctl();
    const shop = makeProject(creatorSuite, { targets: ['nginx'], deploy: { name: 'shop' } });
    const plan = portbook(['deploy', '--root', root, '--plan', '--json'], shop, stub);
    expect(plan.code).toBe(0);
    const json = JSON.parse(plan.stdout);
    expect(json.files.map((file: { path: string }) => file.path)).toEqual([
      '/etc/nginx/conf.d/portbook.shop.default-server.conf',
      '/etc/nginx/conf.d/portbook.shop.default.conf',
    ]);
    expect(json).toMatchObject({ environment: 'default', root, plan: true, written: false, commands: ['systemctl reload nginx'], ran: [], rollback: null });
    expect(portbook(['deploy', '--root', root], shop, stub).code).toBe(0);
    // another project with the same name deploys over nothing of shop's; one without a name is another project
    const other = makeProject(creatorSuite, { targets: ['nginx'], deploy: { name: 'shop', nginx: '/etc/nginx/conf.d' } });
    expect(portbook(['deploy', '--root', root, '--plan'], other, stub).stdout).toContain('2 files unchanged');
    const record = JSON.parse(readFileSync(path.join(root, 'var/lib/portbook/deployed.json'), 'utf8'));
    record.records['blog/default'] = { source: 'docs/PORTS.md', files: { '/etc/nginx/conf.d/portbook.default.conf': { target: 'nginx', sha256: '0' } } };
    writeFileSync(path.join(root, 'var/lib/portbook/deployed.json'), JSON.stringify(record));
    const clash = portbook(['deploy', '--root', root], makeProject(creatorSuite, { targets: ['nginx'] }), stub);
    expect(clash.code).toBe(1);
    expect(clash.stderr).toContain(
      'portbook: /etc/nginx/conf.d/portbook.default.conf was deployed by portbook for another project (its entry "blog/default" in the host\'s record): set deploy.name',
    );
  });
});

describe.skipIf(skipConsumers)('deploy, more', () => {
  const oneService = '| Service | Port |\n|---|---|\n| api | 16000 |\n';

  it('restarts a template unit as the pattern of its instances, and refuses a unit name that reads as an option', () => {
    const root = makeHost({ 'api@': baseUnit('api') });
    const stub = stubSystemctl();
    const template = makeProject(oneService, { targets: ['systemd'], systemd: { units: { api: 'api@' } } });
    expect(portbook(['deploy', '--root', root], template, stub).code).toBe(0);
    expect(stub.calls()).toEqual(['daemon-reload', 'try-restart api@*.service']);
    const dash = makeProject(oneService, { targets: ['systemd'], systemd: { units: { api: '-Hevil' } } });
    // refused where it is written: the config (deploy keeps its own refusal as a second line of defence)
    expect(portbook(['deploy', '--root', root, '--plan'], dash, stub)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('`systemd.units["api"]` must be a unit name of at most 240 letters, digits and _ . - starting with a letter, digit or _'),
    });
    expect(stub.calls()).toEqual(['daemon-reload', 'try-restart api@*.service']);
  });

  it('replaces a file edited on the host with --force, refuses one portbook did not deploy even so, and drift calls it foreign', () => {
    const root = makeHost({ api: baseUnit('api') });
    const stub = stubSystemctl();
    const project = makeProject(oneService, { targets: ['systemd', 'env'] });
    write(path.join(root, 'etc/portbook/default.env'), 'API_PORT=1\n');
    const foreign = portbook(['deploy', '--root', root, '--force'], project, stub);
    expect(foreign.code).toBe(1);
    expect(foreign.stderr).toContain('portbook: /etc/portbook/default.env exists and was not deployed by portbook; portbook never replaces such a file.');
    expect(portbook(['drift', '--root', root], project, stub).stdout).toContain(
      'foreign     /etc/portbook/default.env: not deployed by portbook, where its file goes\n',
    );
    rmSync(path.join(root, 'etc/portbook/default.env'));
    expect(portbook(['deploy', '--root', root], project, stub).code).toBe(0);
    const dropIn = path.join(root, 'etc/systemd/system/api.service.d/portbook.conf');
    const deployed = readFileSync(dropIn, 'utf8');
    writeFileSync(dropIn, deployed.replace('PORT=16000', 'PORT=16009'));
    expect(portbook(['deploy', '--root', root], project, stub).code).toBe(1);
    const forced = portbook(['deploy', '--root', root, '--force'], project, stub);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain('updated  /etc/systemd/system/api.service.d/portbook.conf\n');
    expect(readFileSync(dropIn, 'utf8')).toBe(deployed);
    expect(stub.calls().slice(-2)).toEqual(['daemon-reload', 'try-restart api.service']);
  });

  it('removes the temporaries a killed deploy left beside its files', () => {
    const root = makeHost({ api: baseUnit('api') });
    const stub = stubSystemctl();
    const project = makeProject(oneService, { targets: ['systemd'] });
    const dead = spawnSync('true').pid;
    const leftover = path.join(root, `etc/systemd/system/api.service.d/.portbook.conf.portbook-${dead}-0000abcd.tmp`);
    const someoneElses = path.join(root, `etc/systemd/system/api.service.d/.other.conf.portbook-${dead}-0000abcd.tmp`);
    write(leftover, 'half a file');
    write(someoneElses, 'not portbook.conf');
    expect(portbook(['deploy', '--root', root], project, stub).code).toBe(0);
    expect(existsSync(leftover)).toBe(false);
    expect(existsSync(someoneElses)).toBe(true);
  });

  it('takes an environment the registry no longer has but this project deployed: its files go, a file another environment shares stays', () => {
    const table = (heading: string, port: number): string => `## ${heading} Ports\n\n| Service | Port |\n|---|---|\n| Web | ${port} |\n`;
    const access = (heading: string, domain: string, port: number): string =>
      `## ${heading} External Access\n\n| Domain | Port | SSL | Proxy Target |\n|---|---|---|---|\n| ${domain} | 80 | no | 127.0.0.1:${port} |\n`;
    const both = [
      table('Development', 16000),
      table('Production', 16100),
      access('Development', 'dev.example.com', 16000),
      access('Production', 'www.example.com', 16100),
    ];
    const root = makeHost({});
    const stub = stubSystemctl();
    const project = makeProject(both.join('\n'), { targets: ['nginx'] });
    expect(portbook(['deploy', '--root', root, '--env', 'development'], project, stub).code).toBe(0);
    const production = portbook(['deploy', '--root', root, '--env', 'production'], project, stub);
    expect(production.stdout).toContain('created  /etc/nginx/conf.d/portbook.production.conf\n1 file unchanged\n');
    writeFileSync(path.join(project, 'docs/PORTS.md'), [both[1], both[3]].join('\n'));
    const gone = portbook(['deploy', '--root', root, '--env', 'development'], project, stub);
    expect(gone.code).toBe(0);
    expect(gone.stdout).toContain('remove');
    expect(gone.stdout).toContain('removed  /etc/nginx/conf.d/portbook.development.conf\n');
    expect(gone.stdout).toContain(
      'kept     /etc/nginx/conf.d/portbook.default-server.conf: no longer rendered for this environment, but another one of this project deploys it: left in place\n',
    );
    expect(readdirSync(path.join(root, 'etc/nginx/conf.d'))).toEqual(['portbook.default-server.conf', 'portbook.production.conf']);
    const record = JSON.parse(readFileSync(path.join(root, 'var/lib/portbook/deployed.json'), 'utf8'));
    expect(Object.keys(record.records)).toEqual(['production']);
    expect(portbook(['deploy', '--root', root, '--env', 'development'], project, stub)).toMatchObject({ code: 2 });
  });
});

describe.skipIf(skipConsumers || skipFirewallConsumers)('the kernel: sysctl', () => {
  const listener = (port: number): string => `| Service | Port |\n|---|---|\n| api | ${port} |\n`;
  const file = '/etc/sysctl.d/60-portbook.conf';
  // the kernel's verdict in a private network namespace (the real sysctl, never the stub); applied by the stub
  const config = { targets: ['sysctl'], deploy: { commands: { checkSysctl: [unshare, ...privateNetwork, sysctl, '-p', '{file}'] } } };

  it('plans, installs and applies the file once, and drift sees a hand edit', () => {
    const root = makeHost({});
    const stub = stubSystemctl();
    const kernel = stubProgram(stub, 'sysctl');
    const project = makeProject(listener(40100), config);
    const before = tree(root);
    const planned = portbook(['deploy', '--root', root, '--plan'], project, stub);
    expect(planned.code).toBe(0);
    expect(planned.stdout).toContain(`create   ${file}\n`);
    expect(planned.stdout).toContain(`checked  sysctl.d grammar of ${file} (portbook)\n`);
    expect(planned.stdout).toContain(`checked  ${unshare} ${privateNetwork.join(' ')} ${sysctl} -p ${file}: net.ipv4.ip_local_reserved_ports = 40100\n`);
    expect(planned.stdout).toContain(`run      sysctl -p ${root}${file}\n`);
    expect(tree(root)).toEqual(before);
    const json = JSON.parse(portbook(['deploy', '--root', root, '--plan', '--json'], project, stub).stdout);
    expect(json).toMatchObject({ files: [{ path: file, action: 'create', target: 'sysctl' }], commands: [`sysctl -p ${root}${file}`] });
    expect(kernel.calls()).toEqual([]);

    const deployed = portbook(['deploy', '--root', root], project, stub);
    expect(deployed.code).toBe(0);
    expect(deployed.stdout).toContain(`created  ${file}\n`);
    expect(kernel.calls()).toEqual([`-p ${root}${file}`]);
    expect(readFileSync(path.join(root, file), 'utf8')).toContain('\nnet.ipv4.ip_local_reserved_ports = 40100\n');
    expect(portbook(['drift', '--root', root], project, stub).code).toBe(0);
    expect(portbook(['deploy', '--root', root], project, stub).stdout).toContain('The host is up to date: nothing to do.');
    expect(kernel.calls()).toHaveLength(1);

    writeFileSync(path.join(root, file), readFileSync(path.join(root, file), 'utf8').replace('= 40100', '= 40100,40101'));
    const drifted = portbook(['drift', '--root', root], project, stub);
    expect(drifted.code).toBe(1);
    expect(drifted.stdout).toContain(`edited      ${file}: edited on the host since portbook deployed it\n`);
    expect(stub.calls()).toEqual([]);
  });

  it("applies for real in a private network namespace: the kernel there holds the registry's ports", () => {
    const root = makeHost({});
    const stub = stubSystemctl();
    const readBack = 'sysctl -p "$1" >/dev/null && cat /proc/sys/net/ipv4/ip_local_reserved_ports';
    const applySysctl = [unshare, ...privateNetwork, 'sh', '-c', readBack.replace('sysctl', sysctl), 'sh', '{file}'];
    const project = makeProject(listener(40100), { ...config, deploy: { commands: { ...config.deploy.commands, applySysctl } } });
    const result = portbook(['deploy', '--root', root, '--json'], project, stub);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).ran).toEqual([{ command: expect.stringContaining(`${root}${file}`), ok: true, output: '40100' }]);
  });

  it('writes nothing when the candidate sets a key the target does not write (a project template)', () => {
    const root = makeHost({});
    const stub = stubSystemctl();
    const kernel = stubProgram(stub, 'sysctl');
    const project = makeProject(listener(40100), config);
    write(path.join(project, 'templates/sysctl.conf.hbs'), 'net.ipv4.ip_forward = 1\nnet.ipv4.ip_local_reserved_ports = {{sysctl.value}}\n');
    const before = tree(root);
    const result = portbook(['deploy', '--root', root], project, stub);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `portbook: the candidates fail \`sysctl.d grammar of ${file} (portbook)\`: ${file}:4: \`net.ipv4.ip_forward\` is not a key the sysctl target writes (net.ipv4.ip_local_reserved_ports)\n`,
    );
    expect(result.stderr).toContain('Nothing was written; the host is as it was.\n');
    expect(tree(root)).toEqual(before);
    expect(kernel.calls()).toEqual([]);
  });

  it('puts the previous file back and applies it again when applying fails', () => {
    const root = makeHost({});
    const stub = stubSystemctl();
    const kernel = stubProgram(stub, 'sysctl');
    const project = makeProject(listener(40100), config);
    expect(portbook(['deploy', '--root', root], project, stub).code).toBe(0);
    const deployed = tree(root);
    writeFileSync(path.join(project, 'docs/PORTS.md'), listener(40200));
    kernel.failOnce();
    const result = portbook(['deploy', '--root', root], project, stub);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`portbook: \`sysctl -p ${root}${file}\` failed after the files were replaced: exited 1:\nsysctl: refused by the test\n`);
    expect(result.stderr).toContain(`The previous files were put back; to return the host to them, portbook ran:\n  ok      sysctl -p ${root}${file}\n`);
    expect(tree(root)).toEqual(deployed);
    expect(kernel.calls()).toEqual([`-p ${root}${file}`, `-p ${root}${file}`, `-p ${root}${file}`]);
  });
});

/** Debian 12's /etc/nftables.conf, as the nftables package installs it: no include. */
const debianNftablesConf = `#!/usr/sbin/nft -f

flush ruleset

table inet filter {
\tchain input {
\t\ttype filter hook input priority filter;
\t}
\tchain forward {
\t\ttype filter hook forward priority filter;
\t}
\tchain output {
\t\ttype filter hook output priority filter;
\t}
}
`;

describe.skipIf(skipConsumers || skipFirewallConsumers)('the firewall: nftables', () => {
  const registry = '| Service | Port |\n|---|---|\n| api | 16000 |\n';
  const file = '/etc/nftables.d/portbook.nft';
  // nft's verdict in a private network namespace (the real nft, never the stub); loaded by the stub
  const config = { targets: ['nftables'], deploy: { commands: { checkNftables: [unshare, ...privateNetwork, nft, '-c', '-f', '{file}'] } } };
  const nftablesHost = (): string => {
    const root = makeHost({});
    write(path.join(root, 'etc/nftables.conf'), debianNftablesConf);
    return root;
  };

  it('plans, installs and loads the ruleset once, says the include line the boot ruleset needs, and drift sees a hand edit', () => {
    const root = nftablesHost();
    const stub = stubSystemctl();
    const loader = stubProgram(stub, 'nft');
    const project = makeProject(registry, config);
    const before = tree(root);
    const planned = portbook(['deploy', '--root', root, '--plan'], project, stub);
    expect(planned.code).toBe(0);
    expect(planned.stdout).toContain(`create   ${file}\n`);
    expect(planned.stdout).toContain(`checked  ${unshare} ${privateNetwork.join(' ')} ${nft} -c -f ${file}\n`);
    expect(planned.stdout).toContain(`run      nft -f ${root}${file}\n`);
    expect(planned.stdout).toContain(
      `note     /etc/nftables.conf, which nftables.service loads at boot, does not include ${file}: nft -f loads it now, but after a reboot the table is gone; add \`include "/etc/nftables.d/*.nft"\` at its end\n`,
    );
    expect(JSON.parse(portbook(['deploy', '--root', root, '--plan', '--json'], project, stub).stdout)).toMatchObject({
      files: [{ path: file, action: 'create', target: 'nftables' }],
      commands: [`nft -f ${root}${file}`],
      notes: [expect.stringContaining('add `include "/etc/nftables.d/*.nft"` at its end')],
    });
    expect(tree(root)).toEqual(before);
    expect(loader.calls()).toEqual([]);

    writeFileSync(path.join(root, 'etc/nftables.conf'), `${debianNftablesConf}include "/etc/nftables.d/*.nft"\n`);
    const deployed = portbook(['deploy', '--root', root], project, stub);
    expect(deployed.code).toBe(0);
    expect(deployed.stdout).toContain(`created  ${file}\n`);
    expect(deployed.stdout).not.toContain('note');
    expect(loader.calls()).toEqual([`-f ${root}${file}`]);
    expect(readFileSync(path.join(root, file), 'utf8')).toContain('16000 comment "api"');
    expect(portbook(['drift', '--root', root], project, stub).code).toBe(0);

    writeFileSync(path.join(root, file), readFileSync(path.join(root, file), 'utf8').replace('policy accept', 'policy drop'));
    const drifted = portbook(['drift', '--root', root], project, stub);
    expect(drifted.code).toBe(1);
    expect(drifted.stdout).toContain(`edited      ${file}: edited on the host since portbook deployed it\n`);
    expect(stub.calls()).toEqual([]);
  });

  it('loads for real in a private network namespace, twice, as one table', () => {
    const root = nftablesHost();
    const stub = stubSystemctl();
    const twice = '"$0" -f "$1" && "$0" -f "$1" && "$0" list ruleset';
    const applyNftables = [unshare, ...privateNetwork, 'sh', '-c', twice, nft, '{file}'];
    const project = makeProject(registry, { ...config, deploy: { commands: { ...config.deploy.commands, applyNftables } } });
    const result = portbook(['deploy', '--root', root, '--json'], project, stub);
    expect(result.code).toBe(0);
    const [ran] = JSON.parse(result.stdout).ran;
    expect(ran.ok).toBe(true);
    expect(ran.output.match(/^table /gm)).toEqual(['table ']);
    expect(ran.output.match(/tcp dport @internal_tcp drop/g)).toHaveLength(1);
    expect(ran.output).toContain('16000 comment "api"');
  });

  it('writes nothing when nft rejects the candidate (a project template)', () => {
    const root = nftablesHost();
    const stub = stubSystemctl();
    const loader = stubProgram(stub, 'nft');
    const project = makeProject(registry, config);
    write(path.join(project, 'templates/nftables.nft.hbs'), 'table inet portbook {\n    chain input {\n        tcp dport 16000 bogus\n    }\n}\n');
    const before = tree(root);
    const result = portbook(['deploy', '--root', root], project, stub);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`portbook: the candidates fail \`${unshare} ${privateNetwork.join(' ')} ${nft} -c -f ${file}\`: exited 1:\n${file}:`);
    expect(result.stderr).toContain('Nothing was written; the host is as it was.\n');
    expect(tree(root)).toEqual(before);
    expect(loader.calls()).toEqual([]);
  });

  it('exits 2, writing nothing, when the program that checks the candidate is not installed', () => {
    const root = nftablesHost();
    const stub = stubSystemctl();
    const project = makeProject(registry, { targets: ['nftables'], deploy: { commands: { checkNftables: ['portbook-no-such-nft', '-c', '-f', '{file}'] } } });
    const before = tree(root);
    const result = portbook(['deploy', '--root', root], project, stub);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `Cannot check ${file}: portbook-no-such-nft is not installed here; deploy checks candidates with it before replacing anything`,
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(tree(root)).toEqual(before);
  });

  it('puts the previous ruleset back and loads it when loading fails; takes the table away when it was new', () => {
    const root = nftablesHost();
    const stub = stubSystemctl();
    const loader = stubProgram(stub, 'nft');
    const project = makeProject(registry, config);
    loader.failOnce();
    const first = portbook(['deploy', '--root', root], project, stub);
    expect(first.code).toBe(1);
    expect(first.stderr).toContain('The previous files were put back; to return the host to them, portbook ran:\n  ok      nft delete table inet portbook\n');
    expect(existsSync(path.join(root, file))).toBe(false);
    expect(portbook(['deploy', '--root', root], project, stub).code).toBe(0);
    const deployed = tree(root);
    writeFileSync(path.join(project, 'docs/PORTS.md'), registry.replace('16000', '16001'));
    loader.failOnce();
    const result = portbook(['deploy', '--root', root], project, stub);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`portbook: \`nft -f ${root}${file}\` failed after the files were replaced: exited 1:\nnft: refused by the test\n`);
    expect(result.stderr).toContain(`The previous files were put back; to return the host to them, portbook ran:\n  ok      nft -f ${root}${file}\n`);
    expect(tree(root)).toEqual(deployed);
    expect(loader.calls()).toEqual([`-f ${root}${file}`, 'delete table inet portbook', `-f ${root}${file}`, `-f ${root}${file}`, `-f ${root}${file}`]);
  });
});

/** Debian's /etc/caddy/Caddyfile without its comments, and the line that imports portbook's sites. */
const debianCaddyfile = ':80 {\n\troot * /usr/share/caddy\n\tfile_server\n}\n';
const caddyImport = 'import portbook/*.caddyfile\n';

describe.skipIf(skipConsumers || skipAppConsumers)('the web server: caddy', () => {
  const file = '/etc/caddy/portbook/portbook.default.caddyfile';
  const caddyHost = (caddyfile = debianCaddyfile + caddyImport): string => {
    const root = makeHost({});
    write(path.join(root, 'etc/caddy/Caddyfile'), caddyfile);
    return root;
  };

  it('plans, installs with the host Caddyfile checked around it, reloads caddy once, and drift sees a hand edit', () => {
    const root = caddyHost();
    const stub = stubSystemctl();
    const project = makeProject(creatorSuite, { targets: ['caddy'] });
    const before = tree(root);
    const planned = portbook(['deploy', '--root', root, '--plan'], project, stub);
    expect(planned.code).toBe(0);
    expect(planned.stdout).toContain(`create   ${file}\n`);
    expect(planned.stdout).toContain('checked  caddy validate --adapter caddyfile --config /etc/caddy/Caddyfile: Valid configuration\n');
    expect(planned.stdout).toContain('run      systemctl reload caddy\n');
    expect(JSON.parse(portbook(['deploy', '--root', root, '--plan', '--json'], project, stub).stdout)).toMatchObject({
      files: [{ path: file, action: 'create', target: 'caddy' }],
      commands: ['systemctl reload caddy'],
    });
    expect(tree(root)).toEqual(before);
    expect(stub.calls()).toEqual([]);

    const deployed = portbook(['deploy', '--root', root], project, stub);
    expect(deployed.code).toBe(0);
    expect(deployed.stdout).toContain(`created  ${file}\n`);
    expect(stub.calls()).toEqual(['reload caddy']);
    expect(readFileSync(path.join(root, file), 'utf8')).toContain('\treverse_proxy http://127.0.0.1:17354 {\n');
    expect(portbook(['drift', '--root', root], project, stub).code).toBe(0);
    expect(portbook(['deploy', '--root', root], project, stub).stdout).toContain('The host is up to date: nothing to do.');
    expect(stub.calls()).toEqual(['reload caddy']);

    writeFileSync(path.join(root, file), readFileSync(path.join(root, file), 'utf8').replace('17354', '17355'));
    const drifted = portbook(['drift', '--root', root], project, stub);
    expect(drifted.code).toBe(1);
    expect(drifted.stdout).toContain(`edited      ${file}: edited on the host since portbook deployed it\n`);
  });

  it('writes nothing when the main Caddyfile does not import the sites, or caddy rejects them', () => {
    const root = caddyHost(debianCaddyfile);
    const stub = stubSystemctl();
    const project = makeProject(creatorSuite, { targets: ['caddy'] });
    const before = tree(root);
    const unread = portbook(['deploy', '--root', root], project, stub);
    expect(unread.code).toBe(1);
    expect(unread.stderr).toContain(
      `caddy loads /etc/caddy/Caddyfile, but not ${file}: add \`import portbook/*.caddyfile\` to it, or set deploy.caddy to a directory it imports\n`,
    );
    expect(tree(root)).toEqual(before);

    writeFileSync(path.join(root, 'etc/caddy/Caddyfile'), debianCaddyfile + caddyImport);
    write(path.join(project, 'templates/caddy.caddyfile.hbs'), 'http://x.example.com {\n\treverse_prox 127.0.0.1:17354\n}\n');
    const rejected = portbook(['deploy', '--root', root], project, stub);
    expect(rejected.code).toBe(1);
    expect(rejected.stderr).toContain('portbook: the candidates fail `caddy validate --adapter caddyfile --config /etc/caddy/Caddyfile`: exited 1:\n');
    expect(rejected.stderr).toContain(`${file}:5: unrecognized directive: reverse_prox`);
    expect(rejected.stderr).toContain('Nothing was written; the host is as it was.\n');
    expect(tree(root)).toEqual({ ...before, 'etc/caddy/Caddyfile': debianCaddyfile + caddyImport });
    expect(stub.calls()).toEqual([]);
  });

  it('checks the copy through an absolute import too, and a directory the config moves outside /etc/caddy', () => {
    const stub = stubSystemctl();
    const absolute = caddyHost(`${debianCaddyfile}import /etc/caddy/portbook/*.caddyfile\n`);
    const project = makeProject(creatorSuite, { targets: ['caddy'] });
    expect(portbook(['deploy', '--root', absolute, '--plan'], project, stub).stdout).toContain(': Valid configuration\n');
    const moved = caddyHost(`${debianCaddyfile}import /srv/caddy/*.caddyfile\n`);
    const elsewhere = makeProject(creatorSuite, { targets: ['caddy'], deploy: { caddy: '/srv/caddy' } });
    const result = portbook(['deploy', '--root', moved], elsewhere, stub);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('created  /srv/caddy/portbook.default.caddyfile\n');
    expect(result.stdout).toContain(': Valid configuration\n');
  });

  it("reads a host site's tls certificate and key under --root, not from the machine running the check", () => {
    const stub = stubSystemctl();
    const site = 'https://tls-test.example.com {\n\ttls /etc/ssl/portbook-test/site.pem /etc/ssl/portbook-test/site.key\n\trespond "ok"\n}\n';
    const root = caddyHost(debianCaddyfile + caddyImport + site);
    const certificate = path.join(root, 'etc/ssl/portbook-test');
    const { cert, key } = testCertificate();
    write(path.join(certificate, 'site.pem'), cert);
    write(path.join(certificate, 'site.key'), key);
    expect(existsSync('/etc/ssl/portbook-test')).toBe(false);
    const project = makeProject(creatorSuite, { targets: ['caddy'] });
    expect(portbook(['deploy', '--root', root, '--plan'], project, stub).stdout).toContain(': Valid configuration\n');
    // the negative control: without the files under the root, caddy cannot load them
    rmSync(certificate, { recursive: true });
    const missing = portbook(['deploy', '--root', root, '--plan'], project, stub);
    expect(missing.code).not.toBe(0);
    expect(`${missing.stdout}${missing.stderr}`).toContain('site.pem');
  });

  it('puts the previous sites back and reloads caddy again when the reload fails', () => {
    const root = caddyHost();
    const stub = stubSystemctl();
    const reload = stubProgram(stub, 'caddy-reload');
    const project = makeProject(creatorSuite, { targets: ['caddy'], deploy: { commands: { reloadCaddy: 'caddy-reload --now' } } });
    expect(portbook(['deploy', '--root', root], project, stub).code).toBe(0);
    const deployed = tree(root);
    writeFileSync(path.join(project, 'docs/PORTS.md'), creatorSuite.replaceAll('17354', '17350'));
    reload.failOnce();
    const result = portbook(['deploy', '--root', root], project, stub);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('portbook: `caddy-reload --now` failed after the files were replaced: exited 1:\ncaddy-reload: refused by the test\n');
    expect(result.stderr).toContain('The previous files were put back; to return the host to them, portbook ran:\n  ok      caddy-reload --now\n');
    expect(tree(root)).toEqual(deployed);
    expect(reload.calls()).toEqual(['--now', '--now', '--now']);
  });
});

// the default checks run in a user namespace, which needs no root where the kernel allows one (as root, the test is nobody)
const asUser = process.getuid?.() === 0 ? 65534 : undefined;
const userNamespaces =
  spawnSync(asUser === undefined ? 'unshare' : 'setpriv', [
    ...(asUser === undefined ? [] : [`--reuid=${asUser}`, `--regid=${asUser}`, '--clear-groups', 'unshare']),
    '-rn',
    'true',
  ]).status === 0;

describe.skipIf(skipConsumers || skipFirewallConsumers || !userNamespaces)('the firewall and the kernel, checked without root', () => {
  it("plans with the default checks as a user who is not root: the kernel and nft read the candidates in a namespace of the user's own", () => {
    const root = makeHost({});
    write(path.join(root, 'etc/nftables.conf'), `${debianNftablesConf}include "/etc/nftables.d/*.nft"\n`);
    const stub = stubSystemctl();
    const project = makeProject('| Service | Port |\n|---|---|\n| api | 40100 |\n', { targets: ['nftables', 'sysctl'] });
    const before = tree(root);
    const planned = portbook(['deploy', '--root', root, '--plan'], project, stub, asUser);
    expect(planned.stderr).toBe('');
    expect(planned.code).toBe(0);
    expect(planned.stdout).toContain('checked  unshare -rn sysctl -p /etc/sysctl.d/60-portbook.conf: net.ipv4.ip_local_reserved_ports = 40100\n');
    expect(planned.stdout).toContain('checked  unshare -rn nft -c -f /etc/nftables.d/portbook.nft');
    expect(tree(root)).toEqual(before);
  });
});

describe.skipIf(skipConsumers || skipFirewallConsumers)('the firewall and the kernel, when their targets go', () => {
  it('removes both files, takes the table away, and says what the kernel keeps', () => {
    const root = makeHost({ api: baseUnit('api') });
    write(path.join(root, 'etc/nftables.conf'), `${debianNftablesConf}include "/etc/nftables.d/*.nft"\n`);
    const stub = stubSystemctl();
    const loader = stubProgram(stub, 'nft');
    const kernel = stubProgram(stub, 'sysctl');
    const checks = {
      checkNftables: [unshare, ...privateNetwork, nft, '-c', '-f', '{file}'],
      checkSysctl: [unshare, ...privateNetwork, sysctl, '-p', '{file}'],
    };
    const registry = '| Service | Port |\n|---|---|\n| api | 40100 |\n';
    const project = makeProject(registry, { targets: ['nftables', 'sysctl', 'systemd'], deploy: { commands: checks } });
    expect(portbook(['deploy', '--root', root], project, stub).code).toBe(0);
    expect(loader.calls()).toEqual([`-f ${root}/etc/nftables.d/portbook.nft`]);
    expect(kernel.calls()).toEqual([`-p ${root}/etc/sysctl.d/60-portbook.conf`]);
    writeFileSync(path.join(project, 'portbook.config.json'), JSON.stringify({ targets: ['systemd'], deploy: { commands: checks } }));
    const removed = portbook(['deploy', '--root', root], project, stub);
    expect(removed.code).toBe(0);
    expect(removed.stdout).toContain('removed  /etc/nftables.d/portbook.nft\nremoved  /etc/sysctl.d/60-portbook.conf\n');
    expect(removed.stdout).toContain('ran      nft delete table inet portbook\n');
    expect(removed.stdout).toContain(
      'note     /etc/sysctl.d/60-portbook.conf goes, but the kernel keeps its reserved ports until the next boot: clear them with `sysctl -w net.ipv4.ip_local_reserved_ports=` if nothing else sets them\n',
    );
    expect(loader.calls()).toEqual([`-f ${root}/etc/nftables.d/portbook.nft`, 'delete table inet portbook']);
    expect(kernel.calls()).toHaveLength(1);
    expect(existsSync(path.join(root, 'etc/nftables.d/portbook.nft'))).toBe(false);
    expect(existsSync(path.join(root, 'etc/sysctl.d/60-portbook.conf'))).toBe(false);
  });
});

/** A prometheus.yml with the blackbox job of the README, reading portbook's rules and target files. */
const prometheusYml = [
  'rule_files: [/etc/prometheus/portbook/*.rules.yml]',
  'scrape_configs:',
  '  - job_name: blackbox',
  '    metrics_path: /probe',
  '    file_sd_configs:',
  '      - files: [/etc/prometheus/portbook/targets/*.yml]',
  '',
].join('\n');

describe.skipIf(skipConsumers || skipAppConsumers)('monitoring: prometheus', () => {
  const rules = '/etc/prometheus/portbook/portbook.rules.yml';
  const targets = '/etc/prometheus/portbook/targets/portbook.default.yml';
  const prometheusHost = (config = prometheusYml): string => {
    const root = makeHost({});
    write(path.join(root, 'etc/prometheus/prometheus.yml'), config);
    return root;
  };

  it('plans and installs rules and targets, reloads only for a rules change, and drift sees a hand edit', () => {
    const root = prometheusHost();
    const stub = stubSystemctl();
    const project = makeProject(creatorSuite, { targets: ['prometheus'] });
    const before = tree(root);
    const planned = portbook(['deploy', '--root', root, '--plan'], project, stub);
    expect(planned.code).toBe(0);
    expect(planned.stdout).toContain(`create   ${rules}\ncreate   ${targets}\n`);
    expect(planned.stdout).toContain(`checked  promtool check rules ${rules}: SUCCESS: 3 rules found\n`);
    expect(planned.stdout).toContain(
      `checked  promtool check config prometheus.yml (a prometheus.yml whose blackbox job reads ${targets}): SUCCESS: prometheus.yml is valid prometheus config file syntax\n`,
    );
    expect(planned.stdout).toContain('run      systemctl reload prometheus\n');
    expect(planned.stdout).toContain("note     prometheus/blackbox.yml stays in the project: merge its modules into the blackbox exporter's own file");
    expect(planned.stdout).not.toContain('does not name');
    expect(JSON.parse(portbook(['deploy', '--root', root, '--plan', '--json'], project, stub).stdout)).toMatchObject({
      files: [
        { path: rules, action: 'create', target: 'prometheus' },
        { path: targets, action: 'create', target: 'prometheus' },
      ],
      commands: ['systemctl reload prometheus'],
    });
    expect(tree(root)).toEqual(before);
    expect(stub.calls()).toEqual([]);

    expect(portbook(['deploy', '--root', root], project, stub).code).toBe(0);
    expect(stub.calls()).toEqual(['reload prometheus']);
    expect(readFileSync(path.join(root, targets), 'utf8')).toContain('- "video-api.destinpq.com:443"');
    expect(portbook(['drift', '--root', root], project, stub).code).toBe(0);
    // a site goes: its target file changes, the rules do not, and Prometheus reads file_sd files itself
    writeFileSync(path.join(project, 'docs/PORTS.md'), creatorSuite.replace(/^\| `https:\/\/video\.destinpq\.com`.*\n/m, ''));
    const again = portbook(['deploy', '--root', root], project, stub);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`updated  ${targets}\n1 file unchanged\n`);
    expect(again.stdout).not.toContain('ran ');
    expect(stub.calls()).toEqual(['reload prometheus']);

    writeFileSync(path.join(root, rules), readFileSync(path.join(root, rules), 'utf8').replace('for: 5m', 'for: 1m'));
    const drifted = portbook(['drift', '--root', root], project, stub);
    expect(drifted.code).toBe(1);
    expect(drifted.stdout).toContain(`edited      ${rules}: edited on the host since portbook deployed it\n`);
  });

  it("says what prometheus.yml must name, and where ufw's and compose's files go instead", () => {
    const root = prometheusHost('rule_files:\nscrape_configs:\n  - job_name: node\n    static_configs:\n      - targets: [localhost:9100]\n');
    const stub = stubSystemctl();
    const project = makeProject(creatorSuite, { targets: ['prometheus', 'ufw', 'compose'] });
    const planned = portbook(['deploy', '--root', root, '--plan'], project, stub);
    expect(planned.code).toBe(0);
    const notes = planned.stdout.split('\n').filter((line) => line.startsWith('note'));
    expect(notes).toEqual([
      `note     /etc/prometheus/prometheus.yml does not name ${rules}, so Prometheus does not read it: add /etc/prometheus/portbook/*.rules.yml to its rule_files`,
      `note     /etc/prometheus/prometheus.yml does not name ${targets}, so Prometheus does not read it: give the blackbox job \`file_sd_configs: [{ files: [/etc/prometheus/portbook/targets/*.yml] }]\` (the job is in portbook's docs/outputs.md, under Caddy, compose and Prometheus)`,
      'note     ufw stays in the project: a person runs its script as root (`sh ufw/portbook.sh` from the output directory); deploy does not place it',
      'note     compose stays in the project: its override goes beside your compose file (`docker compose -f compose.yaml -f compose/docker-compose.portbook.yml up -d`); deploy does not place it',
      "note     prometheus/blackbox.yml stays in the project: merge its modules into the blackbox exporter's own file (Debian's /etc/prometheus/blackbox.yml); deploy places the rules and target files",
    ]);
    expect(JSON.parse(portbook(['deploy', '--root', root, '--plan', '--json'], project, stub).stdout).notes).toHaveLength(5);
  });

  it('writes nothing when promtool rejects the rules (a project template)', () => {
    const root = prometheusHost();
    const stub = stubSystemctl();
    const project = makeProject(creatorSuite, { targets: ['prometheus'] });
    write(path.join(project, 'templates/prometheus.rules.yml.hbs'), 'groups:\n  - name: portbook\n    rules:\n      - alert: Broken\n        expr: up ==\n');
    const before = tree(root);
    const result = portbook(['deploy', '--root', root], project, stub);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`portbook: the candidates fail \`promtool check rules ${rules}\`: exited 1:\n`);
    expect(result.stderr).toContain('Nothing was written; the host is as it was.\n');
    expect(tree(root)).toEqual(before);
    expect(stub.calls()).toEqual([]);
  });

  it('writes nothing when promtool rejects a target file (a project template)', () => {
    const root = prometheusHost();
    const stub = stubSystemctl();
    const project = makeProject(creatorSuite, { targets: ['prometheus'] });
    write(path.join(project, 'templates/prometheus.targets.yml.hbs'), '- targets: ["a.example.com:443"]\n  labelz: {}\n');
    const before = tree(root);
    const result = portbook(['deploy', '--root', root], project, stub);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `portbook: the candidates fail \`promtool check config prometheus.yml (a prometheus.yml whose blackbox job reads ${targets})\`: exited 1:\n`,
    );
    expect(result.stderr).toContain(`checking SD file "${targets}"`);
    expect(tree(root)).toEqual(before);
    expect(stub.calls()).toEqual([]);
  });

  it('puts the previous files back and reloads again when the reload fails', () => {
    const root = prometheusHost();
    const stub = stubSystemctl();
    const reload = stubProgram(stub, 'prometheus-reload');
    const project = makeProject(creatorSuite, { targets: ['prometheus'], deploy: { commands: { reloadPrometheus: 'prometheus-reload now' } } });
    reload.failOnce();
    const result = portbook(['deploy', '--root', root], project, stub);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'portbook: `prometheus-reload now` failed after the files were replaced: exited 1:\nprometheus-reload: refused by the test\n',
    );
    expect(result.stderr).toContain('The previous files were put back; to return the host to them, portbook ran:\n  ok      prometheus-reload now\n');
    expect(existsSync(path.join(root, rules))).toBe(false);
    expect(existsSync(path.join(root, 'etc/prometheus/portbook'))).toBe(true);
    expect(readdirSync(path.join(root, 'etc/prometheus/portbook'))).toEqual([]);
    expect(reload.calls()).toEqual(['now', 'now']);
  });
});

describe('the deploy settings of the config', () => {
  it('moves directories, names the project, takes commands as words', () => {
    const deploy = renderOptionsFrom(
      {
        deploy: { nginx: '/etc/nginx/sites-enabled', name: 'shop', commands: { reloadNginx: 'nginx -s reload', restart: ['systemctl', 'restart', '{units}'] } },
      },
      'c.json',
    ).deploy;
    expect(deploy.directories).toEqual({ nginx: '/etc/nginx/sites-enabled' });
    expect(deploy.name).toBe('shop');
    expect(deploy.commands.reloadNginx).toEqual(['nginx', '-s', 'reload']);
    expect(deploy.commands.restart).toEqual(['systemctl', 'restart', '{units}']);
    expect(deploy.commands.daemonReload).toEqual(['systemctl', 'daemon-reload']);
  });

  it.each([
    [
      { deploy: { nginxx: '/x' } },
      'unknown setting `deploy.nginxx`; known: env, nginx, systemd, nftables, sysctl, caddy, prometheus, name, nginxConfig, nftablesConfig, caddyConfig, prometheusConfig, commands',
    ],
    [
      { deploy: { json: '/srv' } },
      '`deploy.json`: json is not deployed (its files stay in the repository); deploy places env, nginx, systemd, nftables, sysctl, caddy, prometheus',
    ],
    [{ deploy: { nginx: 'etc/nginx' } }, '`deploy.nginx` must be an absolute path (not /)'],
    [{ deploy: { systemd: '/etc/../tmp' } }, '`deploy.systemd` must be an absolute path (not /)'],
    [{ deploy: { name: 'My Shop' } }, '`deploy.name` must be a name of lower-case letters'],
    [{ deploy: { commands: { restart: 'systemctl restart' } } }, '`deploy.commands.restart` must be a command with the word {units}'],
    [
      { deploy: { commands: { reload: 'x' } } },
      'unknown setting `deploy.commands.reload`; known: daemonReload, restart, stop, start, reloadNginx, checkSysctl, applySysctl, checkNftables, applyNftables, removeNftables, checkCaddy, reloadCaddy, checkPrometheusRules, checkPrometheusTargets, reloadPrometheus',
    ],
    [{ deploy: { commands: { applySysctl: 'sysctl --system' } } }, '`deploy.commands.applySysctl` must be a command with the word {file}'],
  ])('%j is refused', (raw, message) => {
    expect(() => renderOptionsFrom(raw, 'c.json')).toThrow(message);
  });
});

describe('reading nginx and unit files', () => {
  it('reads statements with their blocks, quoted words and variables', () => {
    const text = 'http {\n  # a comment; with { braces }\n  server {\n    server_name "a b";\n    return 200 "${x}y;";\n  }\n}\n';
    const found = statements(text).map((statement) => [
      statement.name.text,
      statement.args.map((arg) => arg.text),
      statement.name.line,
      statement.within.map((block) => block.name),
    ]);
    expect(found).toEqual([
      ['http', [], 1, []],
      ['server', [], 3, ['http']],
      ['server_name', ['a b'], 4, ['http', 'server']],
      ['return', ['200', '${x}y;'], 5, ['http', 'server']],
    ]);
  });

  it('tells where a *_pass sends requests', () => {
    expect(passTarget('http://127.0.0.1:8000/api')).toEqual({ host: '127.0.0.1', port: 8000 });
    expect(passTarget('https://[::1]')).toEqual({ host: '::1', port: 443 });
    expect(passTarget('localhost:9000')).toEqual({ host: 'localhost', port: 9000 });
    expect(passTarget('http://$backend')).toBeUndefined();
    expect(passTarget('unix:/run/app.sock')).toBeUndefined();
    expect(['127.0.0.2', 'localhost', '::1', '0.0.0.0'].every(isLocalHost)).toBe(true);
    expect(isLocalHost('10.0.0.5')).toBe(false);
  });

  it('splits Environment= as systemd does', () => {
    expect(environmentWords('"PORT=1 2" B=3 \'C=4\' D=a\\"b')).toEqual(['PORT=1 2', 'B=3', 'C=4', 'D=a"b']);
  });
});
