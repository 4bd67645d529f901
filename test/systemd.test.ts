/**
 * Full systemd units: the command's words (parsed, checked, quoted as
 * systemd reads them back), the config's `systemd.services`, and the units,
 * sockets and drop-ins a registry and a config render to. The real consumer
 * (systemd-analyze verify and security) reads them in consumers.test.ts.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderOptionsFrom } from '../src/config/load.js';
import { build } from '../src/index.js';
import {
  commandProblem,
  execStartWord,
  hardeningDirectives,
  hardeningProfile,
  maxCommandLength,
  parseCommand,
  socketListen,
  systemdExecStart,
  systemdPath,
} from '../src/targets/systemd.js';
import { temporaryDirs, writeProject } from './helpers.js';

const temporaryDir = temporaryDirs('systemd');

const problemOf = (text: string, variables?: readonly string[]): string | undefined => {
  const parsed = parseCommand(text, variables);
  return 'problem' in parsed ? parsed.problem : undefined;
};

describe('ExecStart, as written in a cell or the config', () => {
  it('is words separated by spaces; "…" and \'…\' quote spaces, and may sit inside a word', () => {
    expect(parseCommand(`/usr/bin/x a  "b c" 'say "hi"' --name="My App" ''x`)).toEqual({
      words: ['/usr/bin/x', 'a', 'b c', 'say "hi"', '--name=My App', 'x'],
    });
    expect(parseCommand('/usr/bin/uvicorn main:app --port ${PORT} --fmt %h', ['PORT'])).toEqual({
      words: ['/usr/bin/uvicorn', 'main:app', '--port', '${PORT}', '--fmt', '%h'],
    });
  });

  it.each([
    ['', 'Unexpected empty ExecStart, expected a program'],
    ['node server.js', 'Unexpected program `node` in ExecStart, expected an absolute path'],
    ['/bin/x; rm -rf /', 'Unexpected program `/bin/x;` in ExecStart, expected an absolute path'],
    ['/bin/../sbin/x', 'Unexpected program `/bin/../sbin/x`'],
    ['/bin/x/', 'Unexpected program `/bin/x/`'],
    ['"/bin/my app" x', 'Unexpected program `/bin/my app`'],
    ['-/bin/x', 'Unexpected program `-/bin/x`'],
    ['/bin/x ; rm -rf /', 'Unexpected `;` in ExecStart, expected arguments: systemd runs one program, not a shell'],
    ['/bin/x ";"', 'Unexpected `;` in ExecStart'],
    ['/bin/x | tee log', 'Unexpected `|`'],
    ['/bin/x && /bin/y', 'Unexpected `&&`'],
    ['/bin/x > /tmp/out', 'Unexpected `>`'],
    ['/bin/x 2>&1', 'Unexpected `2>&1`'],
    ['/bin/x $HOME', 'Unexpected `$HOME` in ExecStart, expected only `${PORT}`'],
    ['/bin/x --home=$HOME/data', 'Unexpected `$HOME/data`'],
    ['/bin/x $(reboot)', 'Unexpected `$(reboot)`'],
    ['/bin/x ${HOME}', 'Unexpected `${HOME}` in ExecStart, expected only `${PORT}` (the variables this unit sets)'],
    ['/bin/x "a b', 'Unexpected unterminated `"` in ExecStart, expected a closing `"`'],
    ["/bin/x 'a b", "Unexpected unterminated `'` in ExecStart"],
    ['/bin/x a\\nb', 'Unexpected `\\` in ExecStart, expected words without escapes'],
    ['/bin/x\nUser=root', 'Unexpected control character `\\n` in ExecStart, expected one line of printable text'],
    ['/bin/x \u001b[2J', 'Unexpected control character `\\x1b`'],
    ['/bin/x \u202eexe.txt', 'Unexpected control character `\\u202e`'],
    ['/bin/x \u2028User=root', 'Unexpected control character `\\u2028`'],
    ['/bin/x ""', 'Unexpected empty argument'],
    [`/bin/x ${'a'.repeat(maxCommandLength)}`, `Unexpected ExecStart of ${maxCommandLength + 7} characters, expected at most ${maxCommandLength}`],
  ])('refuses %j', (text, problem) => {
    expect(problemOf(text, ['PORT'])).toContain(problem);
  });

  it('takes any `${NAME}` until the variables are known, then only those the unit sets', () => {
    expect(problemOf('/bin/x ${ANYTHING}')).toBeUndefined();
    expect(commandProblem(['/bin/x', '${HOST}'], ['API_PORT', 'PORT'])).toBe(
      'Unexpected `${HOST}` in ExecStart, expected only `${API_PORT}`, `${PORT}` (the variables this unit sets): systemd would expand anything else from its own environment; write the value out',
    );
    expect(commandProblem(['/bin/x', '--listen=${HOST}:${PORT}'], ['PORT', 'HOST'])).toBeUndefined();
  });
});

describe('ExecStart words, as the unit gets them', () => {
  it.each([
    ['plain', 'plain'],
    ['--port=8000', '--port=8000'],
    ['${PORT}', '${PORT}'],
    ['--listen=${HOST}:${PORT}', '--listen=${HOST}:${PORT}'],
    ['a b', '"a b"'],
    ['%h', '"%%h"'],
    ['100%', '"100%%"'],
    ['$HOME', '"$$HOME"'],
    ['${HOME}', '"$${HOME}"'],
    ['${PORT} $x', '"${PORT} $$x"'],
    [';', '";"'],
    ['say "hi"', '"say \\"hi\\""'],
    ['C:\\dir', '"C:\\\\dir"'],
    ['Straße', '"Straße"'],
    ["it's", '"it\'s"'],
  ])('%j → %s', (word, written) => {
    expect(execStartWord(word, ['PORT', 'HOST'])).toBe(written);
  });

  it('systemdExecStart joins the quoted words, and refuses a command that is not checked', () => {
    expect(systemdExecStart(['/usr/bin/node', 'server.js', '--title', 'My App', '--port', '${PORT}'], ['PORT'])).toBe(
      '/usr/bin/node server.js --title "My App" --port ${PORT}',
    );
    expect(() => systemdExecStart(['/bin/x', 'a\nUser=root'], ['PORT'])).toThrow(/refusing .*control character/);
    expect(() => systemdExecStart(['/bin/x', '${HOME}'], ['PORT'])).toThrow(/refusing/);
    expect(() => systemdExecStart('/bin/x', ['PORT'])).toThrow(/expected a list of words/);
    expect(() => systemdPath('relative/dir')).toThrow(/refusing "relative\/dir"/);
    expect(systemdPath('/srv/app')).toBe('/srv/app');
  });
});

describe('the socket address', () => {
  it.each([
    [undefined, '127.0.0.1:8000'],
    ['', '127.0.0.1:8000'],
    ['localhost', '127.0.0.1:8000'],
    ['*', '0.0.0.0:8000'],
    ['0.0.0.0', '0.0.0.0:8000'],
    ['10.0.0.5', '10.0.0.5:8000'],
    ['::', '[::]:8000'],
    ['::1', '[::1]:8000'],
    ['[::1]', '[::1]:8000'],
    ['api.internal', undefined],
  ])('bind %j listens on %j', (bind, listen) => {
    expect(socketListen(bind, 8000)).toBe(listen);
  });
});

describe("the config's systemd.services", () => {
  it('reads each setting; execStart as a line of words or as the words themselves', () => {
    const options = renderOptionsFrom(
      {
        systemd: {
          services: {
            API: {
              execStart: '/usr/bin/uvicorn main:app --port ${PORT} --title "Shop API"',
              user: 'shop',
              group: 'shop',
              workingDirectory: '/srv/shop',
              readWritePaths: ['/var/lib/shop'],
              hardening: { MemoryDenyWriteExecute: false, ProtectHome: true },
            },
            Worker: { execStart: ['/srv/worker', 'a b', '100%'], hardening: false },
            Web: {},
          },
        },
      },
      'c.json',
    );
    expect(options.systemd.services).toEqual({
      API: {
        execStart: ['/usr/bin/uvicorn', 'main:app', '--port', '${PORT}', '--title', 'Shop API'],
        user: 'shop',
        group: 'shop',
        workingDirectory: '/srv/shop',
        readWritePaths: ['/var/lib/shop'],
        hardening: true,
        without: ['MemoryDenyWriteExecute'],
      },
      Worker: { execStart: ['/srv/worker', 'a b', '100%'], readWritePaths: [], hardening: false, without: [] },
      Web: { readWritePaths: [], hardening: true, without: [] },
    });
    expect(renderOptionsFrom({}, 'c.json').systemd.services).toEqual({});
  });

  it.each([
    [{ services: [] }, 'c.json: `systemd.services` must be an object: service name → its full unit'],
    [
      { services: { API: true } },
      'c.json: `systemd.services["API"]` must be an object with execStart, user, group, workingDirectory, readWritePaths, hardening',
    ],
    [{ services: { API: { ExecStart: '/bin/x' } } }, 'c.json: unknown setting `systemd.services["API"].ExecStart`; known: execStart, user'],
    [{ services: { API: { execStart: '/bin/x ; rm -rf /' } } }, 'c.json: `systemd.services["API"].execStart`: Unexpected `;` in ExecStart'],
    [{ services: { API: { execStart: ['x'] } } }, 'c.json: `systemd.services["API"].execStart`: Unexpected program `x`'],
    [{ services: { API: { execStart: ['/bin/x', 'a\nUser=root'] } } }, 'Unexpected control character'],
    [{ services: { API: { execStart: 42 } } }, 'expected a command line (a string) or its words (an array of strings)'],
    [{ services: { API: { user: 'root; x' } } }, '`systemd.services["API"].user` must be a user or group name'],
    [{ services: { API: { group: 'a'.repeat(33) } } }, '`systemd.services["API"].group` must be a user or group name'],
    [{ services: { API: { workingDirectory: 'srv/app' } } }, '`systemd.services["API"].workingDirectory` must be an absolute path'],
    [{ services: { API: { readWritePaths: ['/var/lib/my app'] } } }, '`systemd.services["API"].readWritePaths` must be an array of absolute paths'],
    [{ services: { API: { hardening: 'off' } } }, '`systemd.services["API"].hardening` must be true, false, or an object of directive → false'],
    [
      { services: { API: { hardening: { ProtectEverything: false } } } },
      '`systemd.services["API"].hardening.ProtectEverything` must be one of the profile\'s directives: NoNewPrivileges',
    ],
    [{ services: { API: { hardening: { ProtectHome: 'no' } } } }, '`systemd.services["API"].hardening.ProtectHome` must be true or false'],
    [{ unit: {} }, 'c.json: unknown setting `systemd.unit`; known: units, services'],
  ])('refuses %j', (systemd, message) => {
    expect(() => renderOptionsFrom({ systemd }, 'c.json')).toThrow(message);
  });

  it('lists every directive of the profile as one that can be left out, each once', () => {
    expect(hardeningDirectives).toEqual([...new Set(hardeningProfile.map(([key]) => key))]);
    expect(hardeningDirectives).toContain('SystemCallFilter');
    expect(hardeningDirectives).toHaveLength(hardeningProfile.length - 1); // SystemCallFilter has two lines
  });
});

// ---------------------------------------------------------------- rendering

const registry = `# Ports

## Production

| Service | Port | Protocol |
|---|---|---|
| API | 16100 | HTTP |
| Worker | 16101 | TCP |
| Web | 16102 | HTTP |
| Edge | 443 | HTTPS |

#### API Port: 16100
- **Bind**: \`::1\`
- **ExecStart**: \`/usr/bin/api --port \${PORT} --title "Shop API"\`
- **Socket Activation**: yes

#### Worker Port: 16101
- **ExecStart**: \`/usr/bin/worker\`
`;

/** Build `markdown` with `services` as the config's systemd.services; the systemd files, or the error thrown. */
function unitsOf(services: unknown, markdown = registry): Map<string, string> {
  const dir = writeProject(temporaryDir(), markdown);
  writeFileSync(path.join(dir, 'portbook.config.json'), JSON.stringify({ systemd: { services } }));
  const built = build({ cwd: dir });
  expect(built.diagnostics.filter((message) => message.fatal).map(String)).toEqual([]);
  return new Map([...built.files!].filter(([file]) => file.startsWith('systemd/')));
}

const lines = (text: string | undefined, pattern: RegExp): string[] => (text ?? '').split('\n').filter((line) => pattern.test(line));

describe('full units, rendered', () => {
  it('gives the services the config lists a unit (and a socket when asked), and the others their drop-in', () => {
    const files = unitsOf({ API: { user: 'shop' }, Worker: {} });
    expect([...files.keys()].sort()).toEqual([
      'systemd/production/api.service',
      'systemd/production/api.socket',
      'systemd/production/edge.service.d/portbook.conf',
      'systemd/production/web.service.d/portbook.conf',
      'systemd/production/worker.service',
    ]);
    const api = files.get('systemd/production/api.service');
    expect(lines(api, /^(ExecStart|User|DynamicUser|Requires|After|Also|WantedBy)=/)).toEqual([
      'After=network.target',
      'Requires=api.socket',
      'After=api.socket',
      'ExecStart=/usr/bin/api --port ${PORT} --title "Shop API"',
      'User=shop',
      'Also=api.socket',
    ]);
    expect(lines(files.get('systemd/production/api.socket'), /=/)).toEqual([
      'Description=api socket',
      'ListenStream=[::1]:16100',
      'Accept=no',
      'WantedBy=sockets.target',
    ]);
    // no user configured: a transient one, never root
    expect(lines(files.get('systemd/production/worker.service'), /^(ExecStart|User|DynamicUser|WantedBy)=/)).toEqual([
      'ExecStart=/usr/bin/worker',
      'DynamicUser=yes',
      'WantedBy=multi-user.target',
    ]);
  });

  it("sets the same Environment= lines as the service's drop-in would", () => {
    const dropIns = unitsOf({});
    const units = unitsOf({ API: {}, Worker: {} });
    for (const unit of ['api', 'worker']) {
      const dropIn = dropIns.get(`systemd/production/${unit}.service.d/portbook.conf`);
      expect(lines(units.get(`systemd/production/${unit}.service`), /^Environment=/)).toEqual(lines(dropIn, /^Environment=/));
      expect(lines(dropIn, /^Environment=/).length).toBeGreaterThan(1);
    }
  });

  it("takes the config's command over the registry's", () => {
    const files = unitsOf({ Worker: { execStart: ['/usr/bin/worker', '--queue', 'high priority', '--port=${PORT}'] } });
    expect(lines(files.get('systemd/production/worker.service'), /^ExecStart=/)).toEqual(['ExecStart=/usr/bin/worker --queue "high priority" --port=${PORT}']);
  });

  it('hardens a full unit by default, leaves out what the config opts out of, and can leave out all of it', () => {
    const profile = hardeningProfile.map(([key, value]) => `${key}=${value}`);
    const hardened = (text: string | undefined): string[] => lines(text, new RegExp(`^(${hardeningDirectives.join('|')})=`));
    const files = unitsOf(
      { API: {}, Worker: { hardening: { MemoryDenyWriteExecute: false, SystemCallFilter: false } }, Web: { hardening: false } },
      `${registry}
#### Web Port: 16102
- **ExecStart**: \`/usr/bin/web\`
`,
    );
    expect(hardened(files.get('systemd/production/api.service'))).toEqual(profile);
    expect(hardened(files.get('systemd/production/worker.service'))).toEqual(
      profile.filter((line) => !line.startsWith('MemoryDenyWriteExecute=') && !line.startsWith('SystemCallFilter=')),
    );
    const web = files.get('systemd/production/web.service')!;
    expect(hardened(web)).toEqual([]);
    expect(web).not.toContain('# Hardening');
    expect(web).toContain('DynamicUser=yes');
  });

  it('lets a service bind a port below 1024 itself: the capability, and no user namespace', () => {
    const files = unitsOf({ Edge: { execStart: '/usr/sbin/edge' } });
    const edge = files.get('systemd/production/edge.service');
    expect(lines(edge, /^(AmbientCapabilities|CapabilityBoundingSet|PrivateUsers)=/)).toEqual([
      'AmbientCapabilities=CAP_NET_BIND_SERVICE',
      'CapabilityBoundingSet=CAP_NET_BIND_SERVICE',
    ]);
    // through a socket, systemd binds the port: the service needs nothing
    const socketed = unitsOf(
      { Edge: { execStart: '/usr/sbin/edge' } },
      `${registry}
#### Edge Port: 443
- **Socket Activation**: yes
`,
    );
    expect(lines(socketed.get('systemd/production/edge.service'), /^(AmbientCapabilities|CapabilityBoundingSet|PrivateUsers)=/)).toEqual([
      'PrivateUsers=yes',
      'CapabilityBoundingSet=',
    ]);
    expect(lines(socketed.get('systemd/production/edge.socket'), /^ListenStream=/)).toEqual(['ListenStream=127.0.0.1:443']);
  });

  it("writes one unit per environment the service is in, in that environment's directory", () => {
    const files = unitsOf(
      { API: { execStart: '/usr/bin/api' } },
      `| Service | Port | Environment |
|---|---|---|
| API | 16100 | all |

## Staging

| Service | Port |
|---|---|
| Web | 16200 |
`,
    );
    expect([...files.keys()].sort()).toEqual(['systemd/api.service', 'systemd/staging/api.service', 'systemd/staging/web.service.d/portbook.conf']);
  });

  it.each([
    [{ Wroker: {} }, 'systemd.services` names "Wroker", but no service in docs/PORTS.md is called that'],
    [{ api: {} }, 'no service in docs/PORTS.md is called that; did you mean "API"?'],
    [{ Web: {} }, 'asks for a full unit, but gives no `execStart` and docs/PORTS.md gives Web no `ExecStart` detail: add one of them'],
    [{ Web: { execStart: '/usr/bin/web --host ${HOST}' } }, 'Unexpected `${HOST}` in ExecStart, expected only `${WEB_PORT}`, `${PORT}`'],
  ])('refuses a config it cannot meet: %j', (services, message) => {
    const dir = writeProject(temporaryDir(), registry);
    writeFileSync(path.join(dir, 'portbook.config.json'), JSON.stringify({ systemd: { services } }));
    expect(() => build({ cwd: dir })).toThrow(message);
  });

  it('refuses a full unit for a template or instance unit', () => {
    const dir = writeProject(temporaryDir(), registry);
    writeFileSync(
      path.join(dir, 'portbook.config.json'),
      JSON.stringify({ systemd: { units: { Web: 'web@1' }, services: { Web: { execStart: '/usr/bin/web' } } } }),
    );
    expect(() => build({ cwd: dir })).toThrow('web@1 is a template or instance unit: full units are written for plain unit names');
  });
});
