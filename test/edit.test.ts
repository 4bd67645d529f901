import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, temporaryDirs, writeProject } from './helpers.js';

const seeds = new URL('./fixtures/seeds/', import.meta.url).pathname;
const temporaryDir = temporaryDirs('edit');

function project(markdown: string | Buffer): { dir: string; registry: string } {
  const dir = writeProject(temporaryDir(), markdown);
  return { dir, registry: path.join(dir, 'docs/PORTS.md') };
}

const run = async (args: string[], cwd: string) => runCli(args, cwd);

/** Lines of `after` that differ from `before` (same line count expected). */
function changedLines(before: string, after: string): Array<[string, string]> {
  const a = before.split('\n');
  const b = after.split('\n');
  expect(b).toHaveLength(a.length);
  return a.flatMap((line, index) => (line === b[index] ? [] : [[line, b[index]!] as [string, string]]));
}

describe('portbook fill', () => {
  it('fills every placeholder of the first seed with distinct free ports, editing only those cells, then gen succeeds', async () => {
    const before = readFileSync(path.join(seeds, 'template.md'), 'utf8');
    const { dir, registry } = project(before);
    const result = await run(['fill'], dir);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('docs/PORTS.md:9: API Server (development) → ');
    const after = readFileSync(registry, 'utf8');
    const changes = changedLines(before, after);
    expect(changes).toHaveLength(9);
    const ports = changes.map(([old, now]) => {
      expect(now.replace(/\| \d+ \|/, '| xxxx |')).toBe(old);
      return Number(/\| (\d+) \|/.exec(now)![1]);
    });
    expect(new Set(ports).size).toBe(9);
    expect(after).not.toContain('xxxx');
    expect((await run(['check'], dir)).code).toBe(0);
  });

  it('keeps markup, CRLF and the BOM, and fills empty cells and TBD', async () => {
    const before = '\uFEFF| Service | Port |\r\n|---|---|\r\n| A | `TBD` |\r\n| B |  |\r\n| C | 16500 |\r\n';
    const { dir, registry } = project(before);
    expect((await run(['fill'], dir)).code).toBe(0);
    const after = readFileSync(registry, 'utf8');
    expect(after).toMatch(/^\uFEFF\| Service \| Port \|\r\n\|---\|---\|\r\n\| A \| `\d+` \|\r\n\| B \| \d+ \|\r\n\| C \| 16500 \|\r\n$/);
  });

  it('says so when there is nothing to fill', async () => {
    const { dir } = project('| Service | Port |\n|---|---|\n| A | 16001 |\n');
    expect(await run(['fill'], dir)).toMatchObject({ code: 0, stdout: 'No placeholder ports in docs/PORTS.md.\n' });
  });
});

describe('portbook add', () => {
  it('adds exactly one line to the Creator Suite seed, in its style, and gen renders it', async () => {
    const before = readFileSync(path.join(seeds, 'creator-suite.md'));
    const { dir, registry } = project(before);
    const result = await run(['add', 'Creator Suite Worker', '--protocol', 'HTTP'], dir);
    expect(result.code).toBe(0);
    const after = readFileSync(registry);
    const beforeLines = before.toString('latin1').split('\n');
    const afterLines = after.toString('latin1').split('\n');
    expect(afterLines).toHaveLength(beforeLines.length + 1);
    expect([...afterLines.slice(0, 10), ...afterLines.slice(11)]).toEqual(beforeLines);
    const port = Number(/on port (\d+)/.exec(result.stdout)![1]);
    expect(port).toBeGreaterThanOrEqual(16532);
    expect(port).toBeLessThanOrEqual(17354);
    expect(after.toString('utf8').split('\n')[10]).toBe(`| **Creator Suite Worker** | \`${port}\` | HTTP |  |  |`);
    expect(readFileSync(path.join(dir, 'generated/.env'), 'utf8')).toContain(`CREATOR_SUITE_WORKER_PORT=${port}\n`);
  });

  it('matches a table without outer pipes, in the named environment, with a description and an escaped pipe', async () => {
    const { dir, registry } = project(
      '## Dev\n\nService | Port | Protocol | Notes\n--- | --- | --- | ---\nA | 16001 | HTTP | a\n\n## Prod\n\nService | Port | Protocol | Notes\n--- | --- | --- | ---\nA | 16001 | HTTP | a\n',
    );
    expect((await run(['add', 'B x|y', '--protocol', 'WS', '--env', 'prod', '--port', '16002', '--description', 'new one'], dir)).code).toBe(0);
    expect(readFileSync(registry, 'utf8')).toBe(
      '## Dev\n\nService | Port | Protocol | Notes\n--- | --- | --- | ---\nA | 16001 | HTTP | a\n\n## Prod\n\nService | Port | Protocol | Notes\n--- | --- | --- | ---\nA | 16001 | HTTP | a\nB x\\|y | 16002 | WS | new one\n',
    );
  });

  it('refuses a taken port, a missing protocol, an environment without a table, and a name that cannot be an identifier', async () => {
    const before = '| Service | Port |\n|---|---|\n| A | 16001 |\n';
    const { dir, registry } = project(before);
    expect(await run(['add', 'B', '--protocol', 'HTTP', '--port', '16001'], dir)).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('Port 16001 is already registered in the default environment'),
    });
    expect(await run(['add', 'B'], dir)).toMatchObject({ code: 2, stderr: expect.stringContaining('add needs --protocol') });
    expect(await run(['add', 'B', '--protocol', 'HTTP', '--env', 'prod'], dir)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('No service table for the production environment'),
    });
    expect(await run(['add', '???', '--protocol', 'HTTP'], dir)).toMatchObject({ code: 1, stderr: expect.stringContaining('nothing was written') });
    expect(readFileSync(registry, 'utf8')).toBe(before);
  });
});

describe('add and fill: what review found', () => {
  it('writes $ patterns in names and descriptions literally', async () => {
    const { dir, registry } = project('| Service | Port | Protocol | Description |\n|---|---|---|---|\n| **API** | `16001` | HTTP | main api |\n');
    expect((await run(['add', 'Pay $& $1', '--protocol', 'HTTP', '--description', "costs $' and $&"], dir)).code).toBe(0);
    expect(readFileSync(registry, 'utf8').split('\n')[3]).toMatch(/^\| \*\*Pay \$& \$1\*\* \| `\d+` \| HTTP \| costs \$' and \$& \|$/);
  });

  it('copies a row that has the cells it needs, and goes after struck-through rows', async () => {
    const { dir, registry } = project(
      '| Service | Port | Protocol | Notes |\n|---|---|---|---|\n| API | 16001 | HTTP | main |\n| ~~Old~~ | ~~16002~~ | HTTP | gone |\n| Web | 16003 |\n',
    );
    expect((await run(['add', 'Sock', '--protocol', 'WS', '--description', 'socket'], dir)).code).toBe(0);
    const lines = readFileSync(registry, 'utf8').split('\n');
    expect(lines[5]).toMatch(/^\| Sock \| \d+ \| WS \| socket \|$/);
    expect(lines).toHaveLength(7);
  });

  it('asks for --env when the registry has no default-environment table', async () => {
    const { dir } = project(
      '## Development\n\n| Service | Port |\n|---|---|\n| A | 16001 |\n\n## Production\n\n| Service | Port |\n|---|---|\n| A | 16001 |\n',
    );
    expect(await run(['add', 'B', '--protocol', 'HTTP'], dir)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('the registry has no default-environment table: say which one with --env development or --env production'),
    });
  });

  it("leaves the URL cell of a copied row empty: the new service is not served on another row's domain", async () => {
    const before = '| Service | Port | Protocol | URL |\n|---|---|---|---|\n| API | 16001 | HTTP | https://api.example.com |\n';
    const { dir, registry } = project(before);
    expect((await run(['add', 'Web', '--protocol', 'HTTP', '--port', '16002'], dir)).code).toBe(0);
    expect(readFileSync(registry, 'utf8')).toBe(`${before}| Web | 16002 | HTTP |  |\n`);
  });

  it('refuses a name Markdown reads as something else: a struck-through row gen would skip, or markup', async () => {
    const before = '| Service | Port | Protocol |\n|---|---|---|\n| API | 16001 | HTTP |\n';
    const { dir, registry } = project(before);
    expect(await run(['add', '~~Old~~', '--protocol', 'HTTP'], dir)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('struck-through (removed) row'),
    });
    expect(await run(['add', '~Old~', '--protocol', 'HTTP'], dir)).toMatchObject({ code: 2, stderr: expect.stringContaining('struck-through') });
    expect(await run(['add', '**Bold**', '--protocol', 'HTTP'], dir)).toMatchObject({ code: 2, stderr: expect.stringContaining('reads as "Bold"') });
    expect(readFileSync(registry, 'utf8')).toBe(before);
    expect((await run(['add', 'Plain | Name', '--protocol', 'HTTP'], dir)).code).toBe(0);
  });

  it('adds a Protocol column to a table that has none, rather than dropping the protocol', async () => {
    const before = '| Service | Port |\n|---|---|\n| API | 16001 |\n';
    const { dir, registry } = project(before);
    expect(await run(['add', 'Sock', '--protocol', 'WS', '--port', '16005'], dir)).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('docs/PORTS.md:4: added Sock (default) on port 16005 (and a Protocol column to its table)'),
    });
    // the other rows get an empty cell: no protocol reads as HTTP, as before
    expect(readFileSync(registry, 'utf8')).toBe('| Service | Port | Protocol |\n|---|---| --- |\n| API | 16001 |  |\n| Sock | 16005 | WS |\n');
    // a protocol that means what no cell means needs no column: none is added to a table without one
    const plain = project(before);
    expect((await run(['add', 'Web', '--protocol', 'HTTP'], plain.dir)).code).toBe(0);
    expect(readFileSync(plain.registry, 'utf8')).toMatch(/^\| Service \| Port \|\n\|---\|---\|\n\| API \| 16001 \|\n\| Web \| \d+ \|\n$/);
  });

  it('records HTTPS, so nginx proxies to the service with https:// (the Protocol column is added for it)', async () => {
    const before = [
      '| Service | Port |',
      '|---------|------|',
      '| API | 16001 |',
      '',
      '## External Access',
      '',
      '| Domain | SSL | Proxy Target |',
      '|---|---|---|',
      '| secure.example.com | ✅ | 127.0.0.1:17000 |',
      '',
    ].join('\n');
    const { dir, registry } = project(before);
    expect((await run(['add', 'Secure', '--protocol', 'HTTPS', '--port', '17000'], dir)).code).toBe(0);
    expect(readFileSync(registry, 'utf8')).toContain(
      '| Service | Port | Protocol |\n|---------|------| --- |\n| API | 16001 |  |\n| Secure | 17000 | HTTPS |\n',
    );
    const nginx = readFileSync(path.join(dir, 'generated/nginx/portbook.conf'), 'utf8');
    expect(nginx).toMatch(/proxy_pass https:\/\/secure;/);
    expect(nginx).not.toMatch(/proxy_pass http:\/\//);
  });

  it('adds to a table whose rows all count everywhere, under its own heading, without copying `all`', async () => {
    const before =
      '## Development\n\n| Service | Port | Protocol |\n|---|---|---|\n| API | 16001 | HTTP |\n\n## Production\n\n| Service | Port | Protocol | Environment |\n|---|---|---|---|\n| Shared DB | 5432 | PostgreSQL | all |\n';
    const { dir, registry } = project(before);
    expect(await run(['add', 'Web', '--protocol', 'HTTP', '--env', 'production', '--port', '17000'], dir)).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('docs/PORTS.md:12: added Web (production) on port 17000'),
    });
    expect(readFileSync(registry, 'utf8')).toBe(`${before}| Web | 17000 | HTTP |  |\n`);
    // the development environment has its own table, the default one none
    expect(await run(['add', 'Worker', '--protocol', 'HTTP'], dir)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('say which one with --env development or --env production'),
    });
  });

  it('names the environment in a copied Environment cell when the table stands under another heading', async () => {
    const before =
      '| Service | Port | Protocol | Environment |\n|---|---|---|---|\n| API | 16001 | HTTP | |\n| Prod API | 16002 | HTTP | prod |\n| Cache | 16003 | HTTP | |\n';
    const { dir, registry } = project(before);
    expect((await run(['add', 'Web', '--protocol', 'HTTP', '--env', 'production', '--port', '17000'], dir)).code).toBe(0);
    expect(readFileSync(registry, 'utf8')).toBe(`${before}| Web | 17000 | HTTP | production |\n`);
    expect((await run(['add', 'Queue', '--protocol', 'HTTP', '--port', '17001'], dir)).code).toBe(0);
    expect(readFileSync(registry, 'utf8').split('\n').at(-2)).toBe('| Queue | 17001 | HTTP |  |');
  });

  it('never copies an Exposure cell: a new service is not opened in the firewall because the row above it is', async () => {
    const before = '| Service | Port | Protocol | Exposure |\n|---|---|---|---|\n| Web | 16001 | HTTP | internal |\n| SSH | 16002 | SSH | public |\n';
    const { dir, registry } = project(before);
    expect((await run(['add', 'Worker', '--protocol', 'HTTP', '--port', '17000'], dir)).code).toBe(0);
    expect(readFileSync(registry, 'utf8')).toBe(`${before}| Worker | 17000 | HTTP |  |\n`);
  });

  it('adds without --env only where the default environment has rows of its own', async () => {
    const placed = '| Service | Port | Protocol | Environment |\n|---|---|---|---|\n| A | 16001 | HTTP | dev |\n| B | 16002 | HTTP | prod |\n';
    const { dir, registry } = project(placed);
    expect(await run(['add', 'New', '--protocol', 'HTTP', '--port', '17000'], dir)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('say which one with --env development or --env production'),
    });
    expect(readFileSync(registry, 'utf8')).toBe(placed);
    const byCell = '## Production\n\n| Service | Port | Protocol | Environment |\n|---|---|---|---|\n| A | 16001 | HTTP | default |\n| B | 16002 | HTTP | |\n';
    const other = project(byCell);
    expect((await run(['add', 'New', '--protocol', 'HTTP', '--port', '17000'], other.dir)).code).toBe(0);
    expect(readFileSync(other.registry, 'utf8')).toBe(`${byCell}| New | 17000 | HTTP | default |\n`);
    expect(readFileSync(path.join(other.dir, 'generated/.env'), 'utf8')).toContain('NEW_PORT=17000');
  });

  it('fills a Description (or Protocol) column no row has filled in yet, building the row from the header', async () => {
    const before = '| Service | Port | Protocol | Description |\n|---|---|---|---|\n| **API** | `16001` | | |\n';
    const { dir, registry } = project(before);
    expect((await run(['add', 'Web', '--protocol', 'WS', '--port', '16002', '--description', 'hi'], dir)).code).toBe(0);
    expect(readFileSync(registry, 'utf8')).toBe(`${before}| Web | 16002 | WS | hi |\n`);

    // HTTP needs no Protocol cell (an empty one reads as HTTP): the last row's style is copied as usual
    const plain = '| Service | Port | Protocol |\n|---|---|---|\n| **API** | `16001` | |\n';
    const http = project(plain);
    expect((await run(['add', 'Web', '--protocol', 'HTTP', '--port', '16002'], http.dir)).code).toBe(0);
    expect(readFileSync(http.registry, 'utf8')).toBe(`${plain}| **Web** | \`16002\` | |\n`);

    // under another environment's heading, the Environment cell names where it belongs
    const placed = '## Production\n\n| Service | Port | Environment | Description |\n|---|---|---|---|\n| API | 16001 | staging | |\n';
    const other = project(placed);
    expect((await run(['add', 'Web', '--protocol', 'HTTP', '--port', '16002', '--env', 'staging', '--description', 'hi'], other.dir)).code).toBe(0);
    expect(readFileSync(other.registry, 'utf8')).toBe(`${placed}| Web | 16002 | staging | hi |\n`);
  });

  it('adds a Description column for a description the table cannot hold, rather than dropping it', async () => {
    const before = '| Service | Port | Protocol |\n|---|---|---|\n| API | 16001 | HTTP |\n\n## Production\n\n| Service | Port |\n|---|---|\n';
    const { dir, registry } = project(before);
    expect(await run(['add', 'Web', '--protocol', 'HTTP', '--port', '16002', '--description', 'hello'], dir)).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('(and a Description column to its table)'),
    });
    expect(await run(['add', 'Web', '--protocol', 'HTTP', '--port', '16003', '--env', 'production', '--description', 'hello'], dir)).toMatchObject({ code: 0 });
    expect(readFileSync(registry, 'utf8')).toBe(
      '| Service | Port | Protocol | Description |\n|---|---|---| --- |\n| API | 16001 | HTTP |  |\n| Web | 16002 | HTTP | hello |\n\n## Production\n\n| Service | Port | Description |\n|---|---| --- |\n| Web | 16003 | hello |\n',
    );
  });

  it('adds the first row of a table that has none yet, in its header’s style', async () => {
    const before =
      '## Development\n\n| Service | Port | Protocol |\n|---|---|---|\n| API | 16001 | HTTP |\n\n## Production\n\n| Service | Port | Status | Protocol | Notes |\n|---|---|---|---|---|\n\nMore text.\n';
    const { dir, registry } = project(before);
    expect(await run(['add', 'Web', '--protocol', 'WS', '--env', 'production', '--port', '17000', '--description', 'a | b'], dir)).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('docs/PORTS.md:11: added Web (production) on port 17000'),
    });
    expect(readFileSync(registry, 'utf8')).toBe(before.replace('|---|---|---|---|---|\n', '|---|---|---|---|---|\n| Web | 17000 |  | WS | a \\| b |\n'));
    expect(readFileSync(path.join(dir, 'generated/.env.production'), 'utf8')).toContain('WEB_PORT=17000');

    // without outer pipes, after struck-through rows, at the end of a file without a final newline; and without --env
    const bare = 'Service | Port\n--- | ---\n~~Old~~ | ~~16000~~';
    const other = project(bare);
    expect((await run(['add', 'Web', '--protocol', 'HTTP', '--port', '17001'], other.dir)).code).toBe(0);
    expect(readFileSync(other.registry, 'utf8')).toBe(`${bare}\nWeb | 17001`);
    expect(readFileSync(path.join(other.dir, 'generated/.env'), 'utf8')).toContain('WEB_PORT=17001');
  });

  it('fills a row that counts in several environments once', async () => {
    const { dir, registry } = project(
      '## Dev\n\n| Service | Port |\n|---|---|\n| A | 16001 |\n\n## Prod\n\n| Service | Port | Environment |\n|---|---|---|\n| Shared | xxxx | all |\n',
    );
    const result = await run(['fill'], dir);
    expect(result.stdout.split('\n').filter((line) => line.includes('→'))).toHaveLength(1);
    expect(readFileSync(registry, 'utf8')).toMatch(/\| Shared \| \d+ \| all \|/);
  });

  it('labels a filled row by where it counts: `all` for a row placed everywhere, the environments it names otherwise', async () => {
    const { dir } = project(
      '## Dev\n\n| Service | Port | Environment |\n|---|---|---|\n| A | 16001 |  |\n| Shared | xxxx | all |\n| Queue | TBD | prod, dev |\n| Cache | ? | default |\n\n## Prod\n\n| Service | Port |\n|---|---|\n| A | 17001 |\n| Mail | xxxx |\n',
    );
    const result = await run(['fill'], dir);
    expect(result.code).toBe(0);
    const filled = result.stdout.split('\n').filter((line) => line.includes('→'));
    expect(filled.map((line) => line.replace(/→ \d+$/, '→ N'))).toEqual([
      'docs/PORTS.md:6: Shared (all) → N',
      'docs/PORTS.md:7: Queue (production, development) → N',
      'docs/PORTS.md:8: Cache (default) → N',
      'docs/PORTS.md:15: Mail (production) → N',
    ]);
  });
});
