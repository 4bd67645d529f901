import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultRenderOptions, type RenderOptions, renderOptionsFrom } from '../src/config/load.js';
import { extract } from '../src/extract/index.js';
import { read } from '../src/read/index.js';
import { kebab, screamingSnake, words } from '../src/registry/names.js';
import { compileOptions } from '../src/render/compile-options.js';
import { normalise, render } from '../src/render/index.js';
import { loadTemplates } from '../src/render/templates.js';
import { commentStyleFor, hashComment, header } from '../src/targets/comments.js';
import { envValue } from '../src/targets/env.js';
import { nginxString } from '../src/targets/nginx.js';
import { blockComment, jsString } from '../src/targets/settings-ts.js';
import { isUnitName, systemdAssignment } from '../src/targets/systemd.js';
import { validate } from '../src/validate/index.js';

const fixtures = new URL('./fixtures/', import.meta.url);
const temporaries: string[] = [];
afterEach(() => {
  for (const dir of temporaries.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const temporaryDir = (): string => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'portbook-render-'));
  temporaries.push(dir);
  return dir;
};

function renderMarkdown(markdown: string | Uint8Array, options: Partial<RenderOptions> = {}, templatesDir?: string): Map<string, string> {
  const source = read(typeof markdown === 'string' ? new TextEncoder().encode(markdown) : markdown, 'docs/PORTS.md');
  const registry = extract(source);
  validate(registry, source.file);
  const errors = source.file.messages.filter((message) => message.fatal);
  expect(errors.map((message) => message.reason)).toEqual([]);
  return render({ registry, options: { ...defaultRenderOptions, ...options }, templates: loadTemplates(templatesDir), source: 'docs/PORTS.md' });
}

/** Every file under `dir`, as out-relative POSIX paths. */
function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(path.join(dir, prefix), { withFileTypes: true }).flatMap((entry) => {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    return entry.isDirectory() ? listFiles(dir, relative) : [relative];
  });
}

/** The nginx settings with some changed, the rest at their defaults. */
const nginxOptions = (changed: Partial<RenderOptions['nginx']>): Pick<RenderOptions, 'nginx'> => ({ nginx: { ...defaultRenderOptions.nginx, ...changed } });

/** The full units of seeds/units.md: one with the registry's command and a socket, one with the config's, one binding 443 itself. */
const unitsServices: RenderOptions['systemd']['services'] = {
  API: { user: 'shop', group: 'shop', workingDirectory: '/srv/shop/api', readWritePaths: ['/var/lib/shop'], hardening: true, without: [] },
  Worker: {
    execStart: ['/srv/worker/bin/worker', '--queue', 'high priority'],
    readWritePaths: [],
    hardening: true,
    without: ['MemoryDenyWriteExecute', 'ProcSubset'],
  },
  Edge: { readWritePaths: [], hardening: true, without: [] },
};

describe('every target for each seed, and nginx for its own (fixtures: UPDATE=1 rewrites them)', () => {
  it.each<[string, string, Partial<RenderOptions>]>([
    ['creator-suite', 'seeds/creator-suite.md', {}],
    ['template-filled', 'seeds/template-filled.md', {}],
    // a CDN in front of one domain, another webroot: the nginx shapes of a real VPS, across two environments
    ['nginx-sites', 'seeds/nginx-sites.md', { targets: ['nginx'], ...nginxOptions({ behindProxy: ['shop.example.com'], acmeWebroot: '/srv/acme' }) }],
    ['units', 'seeds/units.md', { systemd: { units: {}, services: unitsServices } }],
    // public services of its own beside nginx (TCP, UDP, both), ports in the ephemeral range, two environments: the firewall and kernel targets
    ['firewall', 'seeds/firewall.md', { targets: ['nginx', 'nftables', 'ufw', 'sysctl'] }],
    // Caddy's sites, compose's loopback publications and Prometheus's probes, across two environments
    ['apps', 'seeds/apps.md', { targets: ['caddy', 'compose', 'prometheus'] }],
  ])('%s', (name, input, options) => {
    const files = renderMarkdown(readFileSync(new URL(input, fixtures)), options);
    const expectedDir = new URL(`render/${name}/`, fixtures).pathname;
    if (process.env.UPDATE) {
      rmSync(expectedDir, { recursive: true, force: true });
      for (const [file, content] of files) {
        mkdirSync(path.dirname(path.join(expectedDir, file)), { recursive: true });
        writeFileSync(path.join(expectedDir, file), content);
      }
    }
    expect([...files.keys()].sort()).toEqual(listFiles(expectedDir).sort());
    for (const [file, content] of files) expect(content, file).toBe(readFileSync(path.join(expectedDir, file), 'utf8'));
  });

  it('is deterministic: LF only, no timestamps, same output twice', () => {
    const markdown = readFileSync(new URL('seeds/creator-suite.md', fixtures));
    const first = renderMarkdown(markdown);
    expect(renderMarkdown(markdown)).toEqual(first);
    for (const content of first.values()) {
      expect(content).not.toContain('\r');
      expect(content.endsWith('\n') && !content.endsWith('\n\n')).toBe(true);
    }
  });
});

describe('rendering decisions', () => {
  const markdown = [
    '## Production',
    '',
    '| Service | Port | Protocol | Env | Description |',
    '|---|---|---|---|---|',
    '| API Server | 8000 | HTTP | `API_PORT` | a=1&b=2 <b>"x"</b> {{x}} {{{y}}} |',
    '| Chat | 8001 | WS | | live */ updates |',
    '| Database | 5432 | PostgreSQL | | |',
    '',
    '| Domain | Port | SSL | Proxy Target | Purpose |',
    '|---|---|---|---|---|',
    '| api.example.com | 443 | ✅ | 127.0.0.1:8000 | API |',
    '| chat.example.com | 8443 | yes | localhost:8001 | chat |',
    '| plain.example.com | 80 | ❌ | 127.0.0.1:8000 | no TLS |',
    '| remote.example.com | 443 | ✅ | 10.0.0.5:8000 | another host |',
    '',
  ].join('\n');

  it('uses the Env column, renders no HTML entities and leaves {{…}} in cells literal', () => {
    const files = renderMarkdown(markdown);
    const env = files.get('.env.production')!;
    // inline HTML separates words like markup; the rest stays literal
    expect(env).toContain('# API Server: a=1&b=2 "x" {{x}} {{{y}}}\nAPI_PORT=8000\n');
    expect(env).toContain('CHAT_PORT=8001\n');
    expect(files.get('settings.ts')).toContain('live *\\/ updates');
  });

  it('gives HTTP and WebSocket services upstreams, and databases none', () => {
    const nginx = renderMarkdown(markdown).get('nginx/portbook.production.conf')!;
    expect(nginx).toContain('upstream production_api_server {\n    server 127.0.0.1:8000;\n}');
    expect(nginx).toContain('upstream production_chat {');
    expect(nginx).not.toContain('upstream production_database');
  });

  it('serves SSL on its port with a redirect from 80, plain HTTP on 80, and WebSocket upgrades', () => {
    const nginx = renderMarkdown(markdown).get('nginx/portbook.production.conf')!;
    expect(nginx).toContain('return 301 https://$host:8443$request_uri;');
    expect(nginx).toContain('listen 8443 ssl http2;\n    listen [::]:8443 ssl http2;\n    server_name chat.example.com;');
    expect(nginx).toContain('ssl_certificate "/etc/letsencrypt/live/chat.example.com/fullchain.pem";');
    expect(nginx).toMatch(/listen 80;\n {4}listen \[::\]:80;\n {4}server_name plain\.example\.com;\n\n {4}# certbot[^\n]*\n {4}location \^~/);
    expect(nginx).toContain('map $http_upgrade $portbook_production_connection_upgrade {');
    expect(nginx).toContain('proxy_set_header Connection $portbook_production_connection_upgrade;');
    expect(nginx.match(/proxy_set_header Upgrade/g)).toHaveLength(1);
    expect(nginx).toContain('proxy_pass http://10.0.0.5:8000;');
  });

  it('proxies to a service that speaks only TLS over https, and to HTTP/HTTPS over http', () => {
    const files = renderMarkdown(
      '| Service | Port | Protocol |\n|---|---|---|\n| Secure | 8002 | HTTPS |\n| Both | 8003 | HTTP/HTTPS |\n\n| Domain | SSL | Proxy Target |\n|---|---|---|\n| s.example.com | yes | 127.0.0.1:8002 |\n| b.example.com | yes | 127.0.0.1:8003 |\n',
    );
    expect(files.get('nginx/portbook.conf')).toContain('proxy_pass https://secure;');
    expect(files.get('nginx/portbook.conf')).toContain('proxy_pass http://both;');
  });

  it('takes certificate paths and unit names from the options', () => {
    const files = renderMarkdown(markdown, {
      ...nginxOptions({ certificate: '/certs/{domain}.crt', certificateKey: '/certs/{domain}.key' }),
      systemd: { units: { 'API Server': 'my-api' }, services: {} },
    });
    expect(files.get('nginx/portbook.production.conf')).toContain('ssl_certificate "/certs/api.example.com.crt";');
    expect(files.has('systemd/production/my-api.service.d/portbook.conf')).toBe(true);
    expect(files.get('systemd/production/my-api.service.d/portbook.conf')).toContain('Environment="API_PORT=8000"\nEnvironment="PORT=8000"\n');
  });

  it('renders only the configured targets', () => {
    const files = renderMarkdown(markdown, { targets: ['env'] });
    expect([...files.keys()]).toEqual(['.env.production']);
  });

  it('listens on IPv6 beside every IPv4 line, and on IPv4 only with nginx.ipv6 off', () => {
    const both = renderMarkdown(markdown).get('nginx/portbook.production.conf')!;
    // per site: the redirect's port 80 and its own port (plain.example.com: 80 only)
    const ipv4 = ['80', '443 ssl http2', '80', '8443 ssl http2', '80', '80', '443 ssl http2'];
    expect(both.match(/^ {4}listen \d+.*;$/gm)).toEqual(ipv4.map((listen) => `    listen ${listen};`));
    expect(both.match(/^ {4}listen \[::\]:\d+.*;$/gm)).toEqual(ipv4.map((listen) => `    listen [::]:${listen};`));
    const files = renderMarkdown(markdown, nginxOptions({ ipv6: false }));
    for (const file of ['nginx/portbook.production.conf', 'nginx/portbook.default-server.conf']) expect(files.get(file)).not.toContain('[::]');
    expect(files.get('nginx/portbook.production.conf')!.match(/^ {4}listen .*;$/gm)).toEqual(ipv4.map((listen) => `    listen ${listen};`));
  });

  it('speaks HTTP/2 as a listen parameter (nginx 1.22 knows no `http2 on;`), as the directive when asked, or not at all', () => {
    const ssl = (options: Partial<RenderOptions>): string[] =>
      renderMarkdown(markdown, options)
        .get('nginx/portbook.production.conf')!
        .match(/^ {4}(listen \S+ ssl.*|http2 on);$/gm)!;
    expect(ssl({})).toEqual([
      '    listen 443 ssl http2;',
      '    listen [::]:443 ssl http2;',
      '    listen 8443 ssl http2;',
      '    listen [::]:8443 ssl http2;',
      '    listen 443 ssl http2;',
      '    listen [::]:443 ssl http2;',
    ]);
    const directive = ['    listen 443 ssl;', '    listen [::]:443 ssl;', '    http2 on;'];
    expect(ssl(nginxOptions({ http2: 'directive' }))).toEqual([
      ...directive,
      '    listen 8443 ssl;',
      '    listen [::]:8443 ssl;',
      '    http2 on;',
      ...directive,
    ]);
    expect(ssl(nginxOptions({ http2: 'off' }))).toEqual([
      '    listen 443 ssl;',
      '    listen [::]:443 ssl;',
      '    listen 8443 ssl;',
      '    listen [::]:8443 ssl;',
      '    listen 443 ssl;',
      '    listen [::]:443 ssl;',
    ]);
  });

  it('serves the ACME challenge from the webroot in every port-80 server, before the redirect or the proxy, and nowhere else', () => {
    const nginx = renderMarkdown(markdown).get('nginx/portbook.production.conf')!;
    const servers = nginx.split(/\n(?=server \{)/).filter((part) => part.startsWith('server {'));
    const acme = '    location ^~ /.well-known/acme-challenge/ {\n        root "/var/www/letsencrypt";\n    }\n';
    const port80 = servers.filter((server) => server.includes('    listen 80;'));
    expect(port80).toHaveLength(4); // three redirects and the plain site
    for (const server of port80) {
      expect(server).toContain(acme);
      expect(server.indexOf(acme)).toBeLessThan(server.indexOf('    location / {'));
    }
    for (const server of servers.filter((server) => !server.includes('    listen 80;'))) expect(server).not.toContain('acme-challenge');
    // the redirect is a location of its own: a server-level return would answer before any location, the challenge's too
    expect(nginx).not.toMatch(/^ {4}return/m);
    const other = renderMarkdown(markdown, nginxOptions({ acmeWebroot: '/srv/acme webroot' })).get('nginx/portbook.production.conf')!;
    expect(other.match(/^ {8}root "\/srv\/acme webroot";$/gm)).toHaveLength(4);
    expect(renderMarkdown(markdown, nginxOptions({ acmeWebroot: false })).get('nginx/portbook.production.conf')).not.toContain('acme-challenge');
  });

  it('writes one default server per listening port of every environment, in a file of its own, unless nginx.defaultServer is off', () => {
    const twoEnvironments = `${markdown}\n## Staging\n\n| Service | Port |\n|---|---|\n| Web | 9000 |\n\n| Domain | Port | SSL | Proxy Target |\n|---|---|---|---|\n| staging.example.com | 9443 | yes | 127.0.0.1:9000 |\n`;
    const files = renderMarkdown(twoEnvironments);
    const defaults = files.get('nginx/portbook.default-server.conf')!;
    expect(defaults.match(/^ {4}listen .*;$/gm)).toEqual([
      '    listen 80 default_server;',
      '    listen [::]:80 default_server;',
      '    listen 443 ssl http2 default_server;',
      '    listen [::]:443 ssl http2 default_server;',
      '    listen 8443 ssl http2 default_server;',
      '    listen [::]:8443 ssl http2 default_server;',
      '    listen 9443 ssl http2 default_server;',
      '    listen [::]:9443 ssl http2 default_server;',
    ]);
    expect(defaults.match(/^ {4}ssl_reject_handshake on;$/gm)).toHaveLength(3);
    expect(defaults.match(/^ {4}return 444;$/gm)).toHaveLength(4);
    expect(defaults).not.toMatch(/server_name|ssl_certificate|proxy_pass/);
    for (const [file, content] of files) if (file !== 'nginx/portbook.default-server.conf') expect(content, file).not.toContain('default_server');
    expect(renderMarkdown(twoEnvironments, nginxOptions({ defaultServer: false })).has('nginx/portbook.default-server.conf')).toBe(false);
    // no site, no default server: nothing listens
    expect(renderMarkdown('| Service | Port |\n|---|---|\n| api | 8000 |\n').has('nginx/portbook.default-server.conf')).toBe(false);
  });

  it('behind a TLS-terminating proxy: serves on port 80 what the proxy received over https, redirects the rest, and passes its X-Forwarded-Proto on', () => {
    const plain = renderMarkdown(markdown).get('nginx/portbook.production.conf')!;
    expect(plain).not.toContain('forwarded_proto');
    expect(plain.match(/X-Forwarded-Proto \$scheme;/g)).toHaveLength(4);
    const nginx = renderMarkdown(markdown, nginxOptions({ behindProxy: true })).get('nginx/portbook.production.conf')!;
    expect(nginx).toContain(
      'map $http_x_forwarded_proto $portbook_production_forwarded_proto {\n    default $scheme;\n    http    http;\n    https   https;\n}',
    );
    expect(nginx).not.toContain('X-Forwarded-Proto $scheme');
    expect(nginx.match(/X-Forwarded-Proto \$portbook_production_forwarded_proto;/g)).toHaveLength(7); // four sites and three port-80 servers
    const guard =
      '        if ($portbook_production_forwarded_proto = http) {\n            return 301 https://$host:8443$request_uri;\n        }\n        proxy_pass http://production_chat;';
    expect(nginx).toContain(guard);
    // WebSocket upgrades stay on the port-80 server too
    expect(nginx.match(/proxy_set_header Upgrade \$http_upgrade;/g)).toHaveLength(2);
    const one = renderMarkdown(markdown, nginxOptions({ behindProxy: ['API.example.com'] })).get('nginx/portbook.production.conf')!;
    expect(one.match(/X-Forwarded-Proto \$portbook_production_forwarded_proto;/g)).toHaveLength(2);
    expect(one.match(/= http\) \{/g)).toHaveLength(1);
    expect(() => renderMarkdown(markdown, nginxOptions({ behindProxy: ['api.example.com', 'ghost.example.com'] }))).toThrow(
      'nginx.behindProxy in the config names `ghost.example.com`, which no External Access row serves: fix the name, or remove it',
    );
  });

  it('chooses the settings constants and the environment that applies when the selector is unset from settings.environment', () => {
    const twoEnvironments = '## Dev\n\n| Service | Port |\n|---|---|\n| api | 8000 |\n\n## Prod\n\n| Service | Port |\n|---|---|\n| api | 9000 |\n';
    const development = renderMarkdown(twoEnvironments);
    expect(development.get('settings.ts')).toContain('export const API_PORT: number = port("API_PORT", 8000);');
    expect(development.get('settings.ts')).toContain('if (value === undefined) return "development";');
    expect(development.get('settings.py')).toContain('environment: str = _os.environ.get("PORTBOOK_ENV", "development")');
    for (const environment of ['production', 'prod']) {
      const production = renderMarkdown(twoEnvironments, { settings: { environment } });
      expect(production.get('settings.ts')).toContain('export const API_PORT: number = port("API_PORT", 9000);');
      expect(production.get('settings.py')).toContain('environment: str = _os.environ.get("PORTBOOK_ENV", "production")');
    }
    expect(() => renderMarkdown(twoEnvironments, { settings: { environment: 'staging' } })).toThrow(
      /settings\.environment in the config is `staging`, but the registry has services only in/,
    );
  });

  it('reads the environment from settings.environmentVariable, which no service variable may be', () => {
    const registry = '| Service | Port |\n|---|---|\n| api | 8000 |\n';
    const files = renderMarkdown(registry, { settings: { environmentVariable: 'APP_ENV' } });
    expect(files.get('settings.ts')).toContain('export const environment: Environment = selectEnvironment(environ["APP_ENV"]);');
    expect(files.get('settings.ts')).toContain('throw new Error(`Unexpected APP_ENV=${JSON.stringify(value)}');
    expect(files.get('settings.py')).toContain('environment: str = _os.environ.get("APP_ENV", "default")');
    expect(files.get('settings.py')).not.toContain('PORTBOOK_ENV');
    expect(() => renderMarkdown(registry, { settings: { environmentVariable: 'API_PORT' } })).toThrow(
      'settings.environmentVariable in the config is `API_PORT`, which is also the variable of a service (`api`): choose another name',
    );
  });

  it('writes each settings file where settings.paths says, and nothing at the default places', () => {
    const files = renderMarkdown('| Service | Port |\n|---|---|\n| api | 8000 |\n', {
      settings: { paths: { py: 'config/settings.py', ts: 'src/config/ports.ts' } },
    });
    expect(files.get('config/settings.py')).toContain('API_PORT: int = _port("API_PORT")');
    expect(files.get('src/config/ports.ts')).toContain('export const API_PORT: number = port("API_PORT", 8000);');
    expect(files.has('settings.py')).toBe(false);
    expect(files.has('settings.ts')).toBe(false);
  });
});

describe('the nginx settings of the config', () => {
  const nginx = (settings: Record<string, unknown>): RenderOptions['nginx'] => renderOptionsFrom({ nginx: settings }, 'c.json').nginx;

  it('default to IPv6, HTTP/2 on the listen line, the certbot webroot, default servers, and no proxy in front', () => {
    expect(nginx({})).toEqual({
      certificate: '/etc/letsencrypt/live/{domain}/fullchain.pem',
      certificateKey: '/etc/letsencrypt/live/{domain}/privkey.pem',
      ipv6: true,
      http2: 'listen',
      acmeWebroot: '/var/www/letsencrypt',
      defaultServer: true,
      behindProxy: false,
    });
  });

  it('take what they say', () => {
    const settings = { ipv6: false, http2: 'directive', acmeWebroot: '/srv/acme', defaultServer: false, behindProxy: ['shop.example.com', 'bücher.example'] };
    expect(nginx(settings)).toMatchObject(settings);
    expect(nginx({ http2: 'off', acmeWebroot: false, behindProxy: true })).toMatchObject({ http2: 'off', acmeWebroot: false, behindProxy: true });
  });

  it('refuse what nginx could not take, and unknown keys, saying what is expected', () => {
    const refused: Array<[Record<string, unknown>, string]> = [
      [{ ipv6: 'no' }, '`nginx.ipv6` must be true or false'],
      [{ defaultServer: 1 }, '`nginx.defaultServer` must be true or false'],
      [{ http2: 'on' }, '`nginx.http2` must be "listen"'],
      [{ http2: true }, '`nginx.http2` must be "listen"'],
      [{ acmeWebroot: 'var/www' }, '`nginx.acmeWebroot` must be false, or an absolute path'],
      [{ acmeWebroot: '/var/$host' }, '`nginx.acmeWebroot` must be false, or an absolute path'],
      [{ acmeWebroot: '/' }, '`nginx.acmeWebroot` must be false, or an absolute path (not /)'],
      [{ acmeWebroot: true }, '`nginx.acmeWebroot` must be false, or an absolute path'],
      [{ behindProxy: 'shop.example.com' }, '`nginx.behindProxy` must be true, false, or an array of the domains'],
      [{ behindProxy: ['shop.example.com;'] }, '`nginx.behindProxy` must be true, false, or an array of the domains'],
      [{ certificate: '/certs/{host}.pem' }, '`nginx.certificate` must be an absolute path'],
      [{ certificateKey: '' }, '`nginx.certificateKey` must be an absolute path'],
      [{ ipV6: false }, 'unknown setting `nginx.ipV6`; known: certificate, certificateKey, ipv6, http2, acmeWebroot, defaultServer, behindProxy'],
    ];
    for (const [settings, message] of refused) expect(() => nginx(settings), JSON.stringify(settings)).toThrow(`c.json: ${message}`);
  });
});

describe('project templates', () => {
  const markdown = '| Service | Port |\n|---|---|\n| api | 8000 |\n';

  it('override a built-in template by name and add new ones, with partials', () => {
    const dir = temporaryDir();
    writeFileSync(path.join(dir, 'env.hbs'), '{{#each environment.services}}{{> line}}{{/each}}');
    writeFileSync(path.join(dir, '_line.hbs'), 'export {{variable}}={{port}}\n');
    writeFileSync(path.join(dir, 'ports.yml.hbs'), '{{#each environments}}{{key}}:\n{{#each services}}  {{variable}}: {{port}}\n{{/each}}{{/each}}');
    writeFileSync(path.join(dir, 'notes.txt'), 'not a template');
    const files = renderMarkdown(markdown, {}, dir);
    expect(files.get('.env')).toMatch(/^# Generated by portbook[^\n]*\n# [^\n]*\n# portbook:sha256:[0-9a-f]{64}\nexport API_PORT=8000\n$/);
    expect(files.get('ports.yml')).toMatch(/^# Generated by portbook[^\n]*\n# [^\n]*\n# portbook:sha256:[0-9a-f]{64}\ndefault:\n {2}API_PORT: 8000\n$/);
    expect(files.has('notes.txt')).toBe(false);
    expect(files.has('line')).toBe(false);
  });

  it('give @ data to a project template and to its partials when any of them reads it, and render the same without it', () => {
    const dir = temporaryDir();
    // the template reads no @ data itself; its partial reads @index and @root of the template's each
    writeFileSync(path.join(dir, 'ports.txt.hbs'), '{{#each environments}}{{#each services}}{{> numbered}}{{/each}}{{/each}}');
    writeFileSync(path.join(dir, '_numbered.hbs'), '{{@index}} {{variable}} of {{@root.primary.key}}\n');
    writeFileSync(path.join(dir, 'plain.txt.hbs'), '{{#each environments}}{{#each services}}{{#if port}}{{variable}}={{port}}{{/if}}\n{{/each}}{{/each}}');
    const files = renderMarkdown(markdown, {}, dir);
    expect(files.get('ports.txt')).toMatch(/\n0 API_PORT of default\n$/);
    expect(files.get('plain.txt')).toMatch(/\nAPI_PORT=8000\n$/);
    expect(compileOptions(['{{#each a}}{{x}}{{/each}}']).data).toBe(false);
    expect(compileOptions(['{{x}}', '{{@index}}']).data).toBe(true);
    expect(compileOptions(['{{> @partial-block}}']).data).toBe(true);
  });

  it('may not write where another output goes', () => {
    for (const [name, message] of [
      ['nginx.hbs', /nginx\.hbs: it would write nginx, where other outputs need a directory/],
      ['.env.hbs', /\.env\.hbs: it would write \.env, which portbook already writes/],
      ['.portbook-manifest.json.hbs', /it would write \.portbook-manifest\.json, which portbook already writes/],
    ] as const) {
      const dir = temporaryDir();
      writeFileSync(path.join(dir, name), 'x\n');
      expect(() => renderMarkdown(markdown, {}, dir)).toThrow(message);
    }
  });

  it('report a syntax error with the template file', () => {
    const dir = temporaryDir();
    writeFileSync(path.join(dir, 'env.hbs'), '{{#each environment.services}}\n{{variable}\n');
    expect(() => renderMarkdown(markdown, {}, dir)).toThrow(new RegExp(`${dir}/env.hbs: Parse error on line 2`));
  });

  it('report a misspelt field instead of rendering a blank (strict)', () => {
    const dir = temporaryDir();
    writeFileSync(path.join(dir, 'env.hbs'), '{{#each environment.services}}{{varaible}}={{port}}\n{{/each}}');
    expect(() => renderMarkdown(markdown, {}, dir)).toThrow(/env\.hbs: "varaible" not defined/);
  });

  it('report a misspelt field given to a helper, with its place, instead of printing "undefined"', () => {
    const dir = temporaryDir();
    writeFileSync(path.join(dir, 'env.hbs'), '{{#each environment.services}}\n{{variable}}={{envValue prot}}\n{{/each}}');
    expect(() => renderMarkdown(markdown, {}, dir)).toThrow(
      /env\.hbs: envValue got no value - 2:13: a misspelt field, or an optional one .* guard it with {{#if}}/,
    );
  });

  it('report an error inside a partial with the partial’s file, without Handlebars’ [object Object]', () => {
    const dir = temporaryDir();
    writeFileSync(path.join(dir, 'env.hbs'), '{{#each environment.services}}{{> line}}{{/each}}');
    writeFileSync(path.join(dir, '_line.hbs'), '{{variable}}={{prot}}\n');
    let message = '';
    try {
      renderMarkdown(markdown, {}, dir);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe(`${path.join(dir, '_line.hbs')}: "prot" not defined - 1:15`);
  });

  it('leave an error in a layout partial’s block to the template that wrote the block', () => {
    const dir = temporaryDir();
    writeFileSync(path.join(dir, 'a.txt.hbs'), 'top\n{{#> layout}}\n  {{nginxString certficate}}\n{{/layout}}\n');
    writeFileSync(path.join(dir, '_layout.hbs'), '[{{> @partial-block}}]\n');
    expect(() => renderMarkdown(markdown, {}, dir)).toThrow(new RegExp(`^${path.join(dir, 'a.txt.hbs')}: nginxString got no value - 3:2`));
  });

  it('cannot reach prototype properties', () => {
    const dir = temporaryDir();
    writeFileSync(path.join(dir, 'proto.txt.hbs'), '{{#with source}}[{{lookup this "constructor"}}]{{/with}}[{{lookup primary "__proto__"}}]');
    expect(renderMarkdown(markdown, {}, dir).get('proto.txt')).toMatch(/\[\]\[\]\n$/);
  });
});

describe('unit names', () => {
  it('takes plain names, templates and instances, and nothing that could leave the drop-in directory or hide', () => {
    for (const name of ['api', 'creator-suite_api.v2', 'bot@', 'bot@1', 'getty@tty1', '_api', 'x'.repeat(240)]) expect(isUnitName(name), name).toBe(true);
    for (const name of ['', '.hidden', '@bot', 'a@b@c', 'a/b', '..', 'a b', 'a\nb', 'x'.repeat(241)]) expect(isUnitName(name), name).toBe(false);
    // systemd takes these, but a `:` cannot be checked out on Windows and is systemd-analyze verify's alias separator, and a leading `-` reads as an option
    for (const name of ['a:b', 'api:v2', '-api', 'a\\x2db']) expect(isUnitName(name), name).toBe(false);
  });
});

describe('quoting helpers', () => {
  it('hashComment keeps one line and cannot continue onto the next', () => {
    expect(hashComment('a\nb\r\nc\u2028d\u0000e')).toBe('a b c d e');
    expect(hashComment('ends with a backslash \\')).toBe('ends with a backslash');
  });

  it('hashComment keeps at most 200 characters of a value, cut with …, never inside a character', () => {
    expect(hashComment('x'.repeat(200))).toBe('x'.repeat(200));
    expect(hashComment('x'.repeat(100_000))).toBe(`${'x'.repeat(200)}…`);
    expect(hashComment('𝕏'.repeat(201))).toBe(`${'𝕏'.repeat(200)}…`);
    // a space before the cut goes; a backslash stays, with the ellipsis after it
    expect(hashComment(`${'x'.repeat(199)}  ${'y'.repeat(50)}`)).toBe(`${'x'.repeat(199)}…`);
    expect(hashComment(`${'x'.repeat(198)} \\${'y'.repeat(50)}`)).toBe(`${'x'.repeat(198)} \\…`);
    // helpers escape after the cut, so an escape is never cut in two
    expect(blockComment('*/'.repeat(150))).toBe(`${'*\\/'.repeat(100)}…`);
  });

  it('blockComment cannot close the comment', () => {
    expect(blockComment('x */ alert(1) /* y')).toBe('x *\\/ alert(1) /* y');
  });

  it('jsString is a valid literal for anything', () => {
    for (const value of ['plain', 'quote " and \\', 'line\nbreak', '\u2028', '${x}', '`']) {
      expect(new Function(`return ${jsString(value)};`)()).toBe(value);
    }
  });

  it('nginxString quotes and refuses variables and control characters', () => {
    expect(nginxString('/etc/a b/"c"')).toBe('"/etc/a b/\\"c\\""');
    expect(() => nginxString('/etc/$host/cert')).toThrow(/refusing/);
    expect(() => nginxString('a\nb')).toThrow(/refusing/);
  });

  it('envValue leaves safe values bare and quotes or refuses the rest', () => {
    expect(envValue('8000')).toBe('8000');
    expect(envValue('a b#c')).toBe("'a b#c'");
    expect(() => envValue("it's")).toThrow(/refusing/);
  });

  it('systemdAssignment quotes and escapes specifiers', () => {
    expect(systemdAssignment('PORT', 8000)).toBe('"PORT=8000"');
    expect(systemdAssignment('X', '50% "q"')).toBe('"X=50%% \\"q\\""');
    expect(() => systemdAssignment('A B', 1)).toThrow(/refusing/);
    expect(() => systemdAssignment('A', 'x\ny')).toThrow(/refusing/);
  });
});

describe('headers', () => {
  it('says where the file comes from in the output’s own comment syntax', () => {
    expect(header('#', 'docs/PORTS.md')).toBe(
      `# Generated by portbook from docs/PORTS.md. Do not edit this file by hand:\n# change docs/PORTS.md (or its template) and run \`portbook gen\`.\n# portbook:sha256:${'0'.repeat(64)}\n`,
    );
    expect(header('//', 'docs/PORTS.md')).toMatch(/^\/\/ Generated by portbook/);
    expect(header('<!--', 'x.md')).toMatch(/^<!--\nGenerated by portbook from x\.md\./);
    expect(header('none', 'x.md')).toBe('');
    expect(header('#', 'a\nb.md')).not.toContain('\n b');
  });

  it('picks the comment syntax by file name', () => {
    expect(commentStyleFor('.env.local')).toBe('#');
    expect(commentStyleFor('ports.ts')).toBe('//');
    expect(commentStyleFor('ports.yaml')).toBe('#');
    expect(commentStyleFor('PORTS.html')).toBe('<!--');
    expect(commentStyleFor('ports.json')).toBe('none');
  });
});

describe('normalise', () => {
  // the regular expressions it replaced, for comparison
  const byPatterns = (text: string): string =>
    text
      .replace(/\r\n?/g, '\n')
      .replace(/[ \t]+$/gm, '')
      .replace(/\n*$/, '\n')
      .replace(/^\n+/, '');

  it('gives LF only, no blank lines at either end, one final newline, as the patterns did', () => {
    const cases = ['', '\n', '\n\n', '  \n\t\n', 'a', 'a\n', 'a\n\n\n', '\n\na\n', 'a \t\nb  ', 'a\r\nb\rc\r\n\r\n', '\r\n\r\nx', 'x\n \n\n', 'a\n\nb\n'];
    for (const text of cases) expect(normalise(text), JSON.stringify(text)).toBe(byPatterns(text));
    expect(normalise('\n\nA=1  \r\n\r\n')).toBe('A=1\n');
  });

  it('matches the patterns on random text of blanks, line breaks and separators', () => {
    const alphabet = [' ', '\t', '\n', '\r', 'a', '\u2028', '\u2029', '  ', '\r\n'];
    let seed = 7;
    const next = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed;
    };
    for (let run = 0; run < 2000; run++) {
      const text = Array.from({ length: next() % 12 }, () => alphabet[next() % alphabet.length]).join('');
      expect(normalise(text), JSON.stringify(text)).toBe(byPatterns(text));
    }
  });
});

describe('names', () => {
  it('folds accents and splits on everything else, with or without non-ASCII text', () => {
    expect(words('Creator Suite API')).toEqual(['Creator', 'Suite', 'API']);
    expect(words('  __a--b__ ')).toEqual(['a', 'b']);
    expect(words('Café Crème')).toEqual(['Cafe', 'Creme']);
    expect(words('ﬁle ① naïve')).toEqual(['file', '1', 'naive']);
    expect(screamingSnake('2fa service')).toBe('_2FA_SERVICE');
    expect(kebab('Señor Bot')).toBe('senor-bot');
    expect(words('日本 API')).toEqual(['API']);
  });
});
