/**
 * Real nginx serving the generated files (issue 20's "Done when"): a temporary
 * prefix, an nginx.conf that includes every file of the nginx target, a tiny
 * upstream on loopback, and curl. The generated files are used as written,
 * except that each `listen` line is moved to loopback (127.0.0.1 and [::1])
 * and from 80/443 to free unprivileged ports: the test asserts that nothing
 * else changed. nginx runs as a daemon and is stopped by its pid file.
 *
 * Needs nginx, openssl and curl (`.ci/run` installs them): outside CI a
 * machine without them skips this file with a message; under CI=true it
 * fails. Without an IPv6 loopback (no `::1` in /proc/net/if_inet6) the files
 * are rendered with nginx.ipv6 off and the IPv6 test is skipped, saying so.
 */
import { execFile, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../src/index.js';
import { certificateConfig, nginxBin, openssl, run, write } from './consumers.js';

// ---------------------------------------------------------------- what this machine has

const onPath = (command: string): boolean => spawnSync(command, ['--version'], { stdio: 'ignore' }).error === undefined;
const missing = [
  [nginxBin, 'nginx-light'],
  [openssl, 'openssl'],
  ['curl', 'curl'],
].filter(([command]) => !onPath(command!));
const skip = missing.length > 0 && !process.env.CI;
if (skip) {
  console.warn(
    `nginx-live.test.ts: real nginx not started: ${missing.map(([command]) => command).join(', ')} not found. ` +
      `Install with: apt-get install -y ${missing.map(([, pkg]) => pkg).join(' ')}`,
  );
}

/** Whether the loopback interface has `::1` (a container may have IPv6 off). */
function ipv6Loopback(): boolean {
  if (!existsSync('/proc/net/if_inet6')) return false;
  return readFileSync('/proc/net/if_inet6', 'utf8')
    .split('\n')
    .some((line) => line.startsWith('00000000000000000000000000000001 '));
}
const ipv6 = ipv6Loopback();
if (!skip && !ipv6) console.warn('nginx-live.test.ts: no IPv6 loopback (::1 is not in /proc/net/if_inet6): rendering with nginx.ipv6 off, IPv6 test skipped');

// ---------------------------------------------------------------- the registry and its upstream

/** Two services (HTTP with a health check, and WebSocket), a plain site, an SSL site, one behind a CDN, one WebSocket site. */
function registry(shopPort: number, livePort: number): string {
  return [
    '# Shop ports',
    '',
    '| Service | Port | Protocol | Description |',
    '|---|---|---|---|',
    `| Shop | ${shopPort} | HTTP | storefront |`,
    `| Live | ${livePort} | WS | live feed |`,
    '',
    '## External Access',
    '',
    '| Domain | Port | SSL | Proxy Target | Purpose |',
    '|---|---|---|---|---|',
    `| shop.test | 443 | yes | 127.0.0.1:${shopPort} | TLS, redirected from 80 |`,
    `| cdn.test | 443 | yes | 127.0.0.1:${shopPort} | behind a TLS-terminating CDN |`,
    `| live.test | 443 | yes | 127.0.0.1:${livePort} | WebSocket |`,
    `| plain.test | 80 | no | 127.0.0.1:${shopPort} | plain HTTP |`,
    '',
    '### Port Configuration Details',
    '',
    `#### Shop Port: ${shopPort}`,
    '- **Health Check**: `/healthz`',
    '',
  ].join('\n');
}

/** What the upstream saw of one request. */
interface Seen {
  path: string;
  headers: http.IncomingHttpHeaders;
}

/** A tiny upstream on 127.0.0.1: answers every request, and every Upgrade request, with what it saw, as JSON. */
async function upstream(seen: Seen[]): Promise<http.Server> {
  const answer = (request: http.IncomingMessage): string => {
    const entry = { path: request.url ?? '', headers: request.headers };
    seen.push(entry);
    return JSON.stringify(entry);
  };
  const server = http.createServer((request, response) => {
    response.setHeader('Content-Type', 'application/json');
    response.end(answer(request));
  });
  // a WebSocket handshake: answered as a plain response, which nginx passes on like any other
  server.on('upgrade', (request: http.IncomingMessage, socket: net.Socket) => {
    const body = answer(request);
    socket.end(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

// ---------------------------------------------------------------- nginx in a temporary prefix

/** A port free on 127.0.0.1 and, when there is one, [::1]: the kernel's choice, checked on both. */
async function freePort(): Promise<number> {
  for (;;) {
    const v4 = net.createServer();
    await new Promise<void>((resolve) => v4.listen(0, '127.0.0.1', resolve));
    const { port } = v4.address() as AddressInfo;
    const free = !ipv6 || (await bindable(port, '::1'));
    await new Promise((resolve) => v4.close(resolve));
    if (free) return port;
  }
}

function bindable(port: number, host: string): Promise<boolean> {
  const server = net.createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** The generated file with each `listen` line on loopback and a free port: `listen 443 ssl` → `listen 127.0.0.1:P ssl`, `[::]:80` → `[::1]:Q`. */
function onLoopback(text: string, ports: ReadonlyMap<number, number>): string {
  return text.replace(/^( {4}listen )(\[::\]:)?(\d+)\b/gm, (_, head: string, v6: string | undefined, port: string) => {
    const moved = ports.get(Number(port));
    if (moved === undefined) throw new Error(`no free port chosen for listen ${port}`);
    return `${head}${v6 ? '[::1]' : '127.0.0.1'}:${moved}`;
  });
}

/** The main nginx.conf: the prefix's own pid file, logs and temporary directories, and the generated files in one http block. */
function mainConf(prefix: string, files: readonly string[]): string {
  const temp = (name: string): string => `    ${name}_temp_path "${prefix}/temp/${name}";`;
  return [
    'daemon on;',
    'worker_processes 1;',
    `pid "${prefix}/nginx.pid";`,
    `error_log "${prefix}/error.log" notice;`,
    'events {',
    '    worker_connections 64;',
    '}',
    'http {',
    '    access_log off;',
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(temp),
    ...files.map((file) => `    include "${file}";`),
    '}',
    '',
  ].join('\n');
}

/** Stop the nginx whose pid file is in `prefix`, if one is running, and wait until it has removed its pid file (it does so on exit). */
async function stopNginx(prefix: string, started: boolean): Promise<void> {
  const pidFile = path.join(prefix, 'nginx.pid');
  // a daemon writes its pid file just after the starting command returns
  if (started) await until(() => existsSync(pidFile), `nginx to write ${pidFile}`);
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return; // already gone
  }
  await until(() => !existsSync(pidFile), `nginx (pid ${pid}) to exit`);
}

/** Wait for `condition`, checking every 50 ms; a hang guard (two minutes) ends the wait with an error, not a timing assertion. */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !condition(); waited += 50) {
    if (waited > 120_000) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// ---------------------------------------------------------------- curl, on loopback only

interface Answer {
  /** curl's exit code: 0, 52 (empty reply: nginx's 444), 35 (TLS handshake refused)… */
  code: number;
  stdout: string;
  stderr: string;
}

/** curl, asynchronously (the upstream answers from this process's event loop), never through a proxy. */
function curl(args: string[]): Promise<Answer> {
  return new Promise((resolve, reject) => {
    execFile('curl', ['--silent', '--show-error', '--globoff', '--noproxy', '*', '--max-time', '120', ...args], (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') reject(new Error(`Cannot run curl (is it installed? apt-get install -y curl): ${error.message}`));
      else resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
}

// ---------------------------------------------------------------- the test

interface Live {
  prefix: string;
  webroot: string;
  http: number;
  https: number;
  seen: Seen[];
}

/** What afterAll cleans up, whatever point beforeAll reached: the nginx in `prefix` once started, the upstreams, the directories. */
const state: { prefix?: string; started: boolean; upstreams: http.Server[]; temporaries: string[] } = { started: false, upstreams: [], temporaries: [] };

/** Render the registry, move the listen lines to loopback, start nginx on them; returns what the tests need. */
async function startNginx(): Promise<Live> {
  const seen: Seen[] = [];
  const [shop, live] = [await upstream(seen), await upstream(seen)];
  state.upstreams.push(shop, live);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'portbook-nginx-live-'));
  state.temporaries.push(dir);
  // nginx's workers run as nobody when it is started as root: they must be able to read the webroot
  chmodSync(dir, 0o755);
  const webroot = path.join(dir, 'webroot');
  const config = certificateConfig(dir, { acmeWebroot: webroot, behindProxy: ['cdn.test'], ipv6 });
  const source = write(path.join(dir, 'PORTS.md'), registry((shop.address() as AddressInfo).port, (live.address() as AddressInfo).port));
  const out = path.join(dir, 'generated');
  const result = generate({ source, out, config, cwd: dir });
  expect(result.diagnostics.filter((message) => message.fatal).map(String)).toEqual([]);
  state.prefix = path.join(dir, 'prefix');
  const prefix = state.prefix;
  mkdirSync(path.join(prefix, 'temp'), { recursive: true });
  // a free port can be taken between choosing it and nginx binding it: choose again then
  for (let attempt = 1; ; attempt++) {
    const ports = { http: await freePort(), https: await freePort() };
    const files = readdirSync(path.join(out, 'nginx')).map((name) =>
      write(path.join(prefix, 'conf', name), movedListens(path.join(out, 'nginx', name), ports)),
    );
    expect(files.map((file) => path.basename(file))).toEqual(['portbook.conf', 'portbook.default-server.conf']);
    const conf = write(path.join(prefix, 'nginx.conf'), mainConf(prefix, files));
    const started = run(nginxBin, ['-p', `${prefix}/`, '-c', conf, '-e', path.join(prefix, 'error.log')]);
    if (started.status === 0) {
      state.started = true;
      return { prefix, webroot, ...ports, seen };
    }
    const log = existsSync(path.join(prefix, 'error.log')) ? readFileSync(path.join(prefix, 'error.log'), 'utf8') : '';
    if (attempt < 3 && /Address already in use/.test(started.stderr + log)) continue;
    throw new Error(`nginx did not start (exit ${started.status}):\n${started.stderr}\nits log:\n${log}`);
  }
}

/** A generated file with its listen lines moved (`onLoopback`), after checking that nothing else changed. */
function movedListens(file: string, ports: { http: number; https: number }): string {
  const generated = readFileSync(file, 'utf8');
  const moved = onLoopback(
    generated,
    new Map([
      [80, ports.http],
      [443, ports.https],
    ]),
  );
  const before = generated.split('\n');
  const changed = moved.split('\n').filter((line, index) => line !== before[index]);
  expect(changed.length, file).toBeGreaterThan(0);
  for (const line of changed) expect(line, file).toMatch(/^ {4}listen (127\.0\.0\.1|\[::1\]):\d+( ssl http2)?( default_server)?;$/);
  return moved;
}

describe.skipIf(skip)('real nginx serving the generated files on 127.0.0.1 and [::1]', () => {
  let live: Live;
  beforeAll(async () => {
    live = await startNginx();
  });
  afterAll(async () => {
    try {
      if (state.prefix) await stopNginx(state.prefix, state.started);
    } finally {
      await Promise.all(state.upstreams.map((server) => new Promise((resolve) => server.close(resolve))));
      for (const dir of state.temporaries) rmSync(dir, { recursive: true, force: true });
    }
  });

  it('serves the ACME challenge from the webroot on port 80, over IPv4, for a redirected site and a plain one', async () => {
    const token = 'token-Xy_1';
    const challenge = write(path.join(live.webroot, '.well-known/acme-challenge', token), 'token-Xy_1.key-authorisation\n');
    for (const file of [challenge, path.dirname(challenge), path.dirname(path.dirname(challenge)), live.webroot])
      chmodSync(file, file === challenge ? 0o644 : 0o755);
    for (const host of ['shop.test', 'plain.test', 'cdn.test']) {
      const answer = await curl(['-H', `Host: ${host}`, '-w', '%{http_code}', `http://127.0.0.1:${live.http}/.well-known/acme-challenge/${token}`]);
      expect(answer, host).toEqual({ code: 0, stdout: 'token-Xy_1.key-authorisation\n200', stderr: '' });
    }
    expect(live.seen.filter((request) => request.path.includes('acme-challenge'))).toEqual([]);
  });

  it.skipIf(!ipv6)('redirects a plain path to https over IPv6, keeping the path and query', async () => {
    const answer = await curl(['-H', 'Host: shop.test', '-o', '/dev/null', '-w', '%{http_code} %{redirect_url}', `http://[::1]:${live.http}/some/page?q=1`]);
    expect(answer).toEqual({ code: 0, stdout: '301 https://shop.test/some/page?q=1', stderr: '' });
  });

  it('redirects a plain path to https over IPv4 too', async () => {
    const answer = await curl(['-H', 'Host: shop.test', '-o', '/dev/null', '-w', '%{http_code} %{redirect_url}', `http://127.0.0.1:${live.http}/some/page`]);
    expect(answer).toEqual({ code: 0, stdout: '301 https://shop.test/some/page', stderr: '' });
  });

  it('gives an unknown Host no answer (444: an empty reply) on port 80, and no TLS handshake for an unknown name on 443', async () => {
    const hosts = [`http://127.0.0.1:${live.http}/`, ...(ipv6 ? [`http://[::1]:${live.http}/`] : [])];
    for (const url of hosts) expect((await curl(['-H', 'Host: stray.example', url])).code, url).toBe(52);
    const handshake = await curl(['-k', '--resolve', `stray.example:${live.https}:127.0.0.1`, `https://stray.example:${live.https}/`]);
    expect(handshake.code).toBe(35);
    // a known name in TLS but another Host in the request: the default server, no answer
    const fronted = await curl([
      '-k',
      '--http1.1',
      '--resolve',
      `shop.test:${live.https}:127.0.0.1`,
      '-H',
      'Host: stray.example',
      `https://shop.test:${live.https}/`,
    ]);
    expect(fronted.code).toBe(52);
    expect(live.seen.filter((request) => request.headers.host === 'stray.example')).toEqual([]);
  });

  it('proxies a path to the upstream over HTTP/2 with TLS, with the forwarding headers; the health location too', async () => {
    const answer = await curl(['-k', '--resolve', `shop.test:${live.https}:127.0.0.1`, '-w', '\n%{http_version}', `https://shop.test:${live.https}/hello?x=1`]);
    expect(answer.code, answer.stderr).toBe(0);
    const [body, version] = answer.stdout.split('\n');
    expect(version).toBe('2');
    const seen = JSON.parse(body!) as Seen;
    expect(seen.path).toBe('/hello?x=1');
    expect(seen.headers).toMatchObject({ host: 'shop.test', 'x-forwarded-proto': 'https', 'x-real-ip': '127.0.0.1', 'x-forwarded-for': '127.0.0.1' });
    const health = await curl(['-H', 'Host: plain.test', `http://127.0.0.1:${live.http}/healthz`]);
    expect(health.code, health.stderr).toBe(0);
    expect((JSON.parse(health.stdout) as Seen).path).toBe('/healthz');
  });

  it('passes a WebSocket handshake on with its Upgrade headers', async () => {
    const url = `https://live.test:${live.https}/feed`;
    const headers = [
      '-H',
      'Connection: Upgrade',
      '-H',
      'Upgrade: websocket',
      '-H',
      'Sec-WebSocket-Version: 13',
      '-H',
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
    ];
    const answer = await curl(['-k', '--http1.1', '--resolve', `live.test:${live.https}:127.0.0.1`, ...headers, url]);
    expect(answer.code, answer.stderr).toBe(0);
    expect((JSON.parse(answer.stdout) as Seen).headers).toMatchObject({ upgrade: 'websocket', connection: 'upgrade', 'x-forwarded-proto': 'https' });
  });

  it('behind the CDN, serves on port 80 what it received over https and redirects the rest; elsewhere X-Forwarded-Proto is not trusted', async () => {
    const url = `http://127.0.0.1:${live.http}/cart`;
    const viaCdn = await curl(['-H', 'Host: cdn.test', '-H', 'X-Forwarded-Proto: https', url]);
    expect(viaCdn.code, viaCdn.stderr).toBe(0);
    expect((JSON.parse(viaCdn.stdout) as Seen).headers).toMatchObject({ host: 'cdn.test', 'x-forwarded-proto': 'https' });
    const status = ['-o', '/dev/null', '-w', '%{http_code} %{redirect_url}'];
    expect(await curl(['-H', 'Host: cdn.test', ...status, url])).toEqual({ code: 0, stdout: '301 https://cdn.test/cart', stderr: '' });
    expect(await curl(['-H', 'Host: cdn.test', '-H', 'X-Forwarded-Proto: http', ...status, url])).toEqual({
      code: 0,
      stdout: '301 https://cdn.test/cart',
      stderr: '',
    });
    expect(await curl(['-H', 'Host: shop.test', '-H', 'X-Forwarded-Proto: https', ...status, url])).toEqual({
      code: 0,
      stdout: '301 https://shop.test/cart',
      stderr: '',
    });
    // over TLS a site not behind the proxy tells the app its own scheme, whatever the client claims
    const spoofed = await curl(['-k', '--resolve', `shop.test:${live.https}:127.0.0.1`, '-H', 'X-Forwarded-Proto: http', `https://shop.test:${live.https}/`]);
    expect((JSON.parse(spoofed.stdout) as Seen).headers['x-forwarded-proto']).toBe('https');
  });
});
