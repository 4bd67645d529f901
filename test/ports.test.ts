import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { commonPorts } from '../src/edit/allocate.js';
import { listeningPorts } from '../src/host/listening.js';
import { runCli, temporaryDirs, writeProject } from './helpers.js';

const seeds = new URL('./fixtures/seeds/', import.meta.url).pathname;
const temporaryDir = temporaryDirs('ports');
const servers: net.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

const project = (markdown: string): string => writeProject(temporaryDir(), markdown);
const run = async (args: string[], cwd: string) => runCli(args, cwd);

/**
 * Listen on 127.0.0.1 on the first of `ports` that is free (the test's own
 * server, closed after each test) and return that port: another run of the
 * suite on this machine may hold the first one right now.
 */
async function hold(...ports: number[]): Promise<number> {
  for (const port of ports) {
    const server = net.createServer();
    const listening = await new Promise<boolean>((resolve, reject) =>
      server
        .once('error', (error: NodeJS.ErrnoException) => (error.code === 'EADDRINUSE' ? resolve(false) : reject(error)))
        .listen(port, '127.0.0.1', () => resolve(true)),
    );
    if (!listening) continue;
    servers.push(server);
    return port;
  }
  throw new Error(`none of ${ports.join(', ')} is free`);
}

const withRange = (range: string, rows = '| API | 16001 |') =>
  `| Service | Port |\n|---|---|\n${rows}\n\n## Reserved Port Ranges\n\n- **Primary Range**: \`${range}\` (services)\n- **Bot Range**: \`18938-18948\`\n`;

describe('portbook next', () => {
  it('prints a free port inside the Creator Suite range', async () => {
    const dir = project(readFileSync(path.join(seeds, 'creator-suite.md'), 'utf8'));
    const result = await run(['next'], dir);
    expect(result.code).toBe(0);
    const port = Number(result.stdout);
    expect(result.stdout).toMatch(/^\d+\n$/);
    expect(port).toBeGreaterThanOrEqual(16532);
    expect(port).toBeLessThanOrEqual(17354);
    expect([16532, 17354]).not.toContain(port);
  });

  it('skips registered ports, common defaults and ports listening right now', async () => {
    const dir = project(withRange('7999-8010', '| API | 8002 |'));
    const held = await hold(8003, 8004, 8005, 8006, 8007, 8009, 8010);
    // 7999 free? 8000 is a common default, 8001 free … unless this machine listens there
    const busy = listeningPorts();
    const expected = [7999, 8000, 8001, 8002, 8003, 8004, 8005, 8006, 8007, 8008, 8009, 8010].find(
      (port) => !busy.has(port) && !commonPorts.has(port) && port !== 8002,
    );
    expect((await run(['next'], dir)).stdout).toBe(`${expected}\n`);
    expect(busy.has(held)).toBe(true);
  });

  it('takes a named range, says so with --json, and refuses an unknown one', async () => {
    const dir = project(withRange('16000-16010'));
    const json = JSON.parse((await run(['next', '--range', 'bot', '--env', 'prod', '--json'], dir)).stdout) as {
      port: number;
      range: { name: string };
      environment: string;
    };
    expect(json.range.name).toBe('Bot Range');
    expect(json.environment).toBe('production');
    expect(json.port).toBeGreaterThanOrEqual(18938);
    expect(await run(['next', '--range', 'nope'], dir)).toMatchObject({ code: 2, stderr: expect.stringContaining('declared: Primary Range, Bot Range') });
    expect(await run(['next', '--env', 'moon'], dir)).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown --env `moon`') });
  });

  it('exits 1 when the range is full', async () => {
    const dir = project(withRange('16001-16001'));
    expect(await run(['next'], dir)).toMatchObject({ code: 1, stderr: expect.stringContaining('No free port left in Primary Range (16001-16001)') });
  });

  it('says when common defaults were skipped in a range that is full', async () => {
    expect(await run(['next'], project(withRange('8080-8082', '| API | 8082 |')))).toMatchObject({
      code: 1,
      stderr: expect.stringContaining(
        'No free port left in Primary Range (8080-8082) (8080, 8081 are common defaults of other software, so they are skipped): widen the range',
      ),
    });
  });

  it('reads thousands separators in a range, and refuses to pick from a range that is not one', async () => {
    expect((await run(['next'], project(withRange('20,000-20,099')))).stdout).toBe('20000\n');
    expect(await run(['next'], project(withRange('20099-20000')))).toMatchObject({
      code: 1,
      stderr: 'portbook: The reserved range "Primary Range" is "20099-20000", not a range of ports (gen reports it: range-invalid): fix it first\n',
    });
    expect((await run(['next', '--range', 'bot'], project(withRange('20099-20000')))).stdout).toBe('18938\n');
  });

  it('never hands out a port below 1024, which needs root (gen would warn: port-privileged)', async () => {
    expect((await run(['next'], project(withRange('1020-1030')))).stdout).toBe('1024\n');
    expect(await run(['next'], project(withRange('1-3')))).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('No free port left in Primary Range (1-3) (ports below 1024 need root, so none is chosen)'),
    });
  });

  it('uses a default range when none is declared, and works on registries with placeholders', async () => {
    const dir = project(readFileSync(path.join(seeds, 'template.md'), 'utf8'));
    const port = Number((await run(['next'], dir)).stdout);
    expect(port).toBeGreaterThanOrEqual(16000);
    expect(port).toBeLessThanOrEqual(16999);
  });
});

describe('portbook scan', () => {
  it('reports a port a test server holds as listening, and an idle registered port as not', async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const held = (probe.address() as net.AddressInfo).port;
    servers.push(probe);
    const idle = held === 65000 ? 65001 : 65000;
    const dir = project(`| Service | Port |\n|---|---|\n| Held | ${held} |\n| Idle | ${idle} |\n`);
    const result = await run(['scan', '--json'], dir);
    expect(result.code).toBe(0);
    const entries = JSON.parse(result.stdout) as Array<{ port: number; service: string; environment: string; listening: boolean }>;
    expect(entries).toContainEqual(expect.objectContaining({ port: held, service: 'Held', environment: 'default', listening: true }));
    expect(entries).toContainEqual(expect.objectContaining({ port: idle, service: 'Idle', environment: 'default', listening: false }));
    const text = await run(['scan'], dir);
    expect(text.stdout).toContain(`registered and listening (1):\n  ${held}  Held (default) on 127.0.0.1\n`);
  });

  it('lists listeners inside a reserved range that no service registers, and filters by --env', async () => {
    const dir = project(`## Production\n\n| Service | Port |\n|---|---|\n| API | 16001 |\n\n## Reserved Port Ranges\n\n- **Primary**: \`16000-16099\`\n`);
    const held = await hold(...Array.from({ length: 50 }, (_, i) => 16050 + i));
    const entries = JSON.parse((await run(['scan', '--json'], dir)).stdout) as Array<{ port: number; service: string | null }>;
    expect(entries).toContainEqual(expect.objectContaining({ port: held, service: null, listening: true }));
    expect(JSON.parse((await run(['scan', '--json', '--env', 'dev'], dir)).stdout).filter((entry: { service: string | null }) => entry.service)).toEqual([]);
  });
});
