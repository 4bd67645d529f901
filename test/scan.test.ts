/** scan: listeners and the processes behind them from a /proc tree, and --strict. */
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listeners, nodeProcFs, type ProcFs, processesByPort, socketOwners } from '../src/host/listening.js';
import { runCli, temporaryDirs, writeProject } from './helpers.js';

const temporaryDir = temporaryDirs('scan');

const header = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
/** A /proc/net/tcp line: `address` as /proc writes it (little-endian hex), port, state, inode. */
const tcpLine = (slot: number, address: string, port: number, state: string, inode: number): string =>
  `  ${slot}: ${address}:${port.toString(16).toUpperCase().padStart(4, '0')} 00000000:0000 ${state} 00000000:00000000 00:00000000 00000000  1000        0 ${inode} 1 0000000000000000 100 0 0 10 0\n`;

/** A fixture /proc: net/tcp and net/tcp6, and processes with their fd links and comm. */
function procTree(processes: Record<number, { comm: string; sockets: number[] }>): string {
  const root = temporaryDir();
  mkdirSync(path.join(root, 'net'));
  writeFileSync(
    path.join(root, 'net/tcp'),
    header +
      tcpLine(0, '00000000', 17400, '0A', 5001) + // 0.0.0.0:17400, listening
      tcpLine(1, '0100007F', 16001, '0A', 5002) + // 127.0.0.1:16001, listening
      tcpLine(2, '0100007F', 16002, '01', 5003), // established: not a listener
  );
  writeFileSync(path.join(root, 'net/tcp6'), header + tcpLine(0, '00000000000000000000000000000000', 17400, '0A', 5004));
  for (const [pid, { comm, sockets }] of Object.entries(processes)) {
    mkdirSync(path.join(root, pid, 'fd'), { recursive: true });
    writeFileSync(path.join(root, pid, 'comm'), `${comm}\n`);
    symlinkSync('/dev/null', path.join(root, pid, 'fd', '0'));
    symlinkSync('pipe:[77]', path.join(root, pid, 'fd', '1'));
    for (const [index, inode] of sockets.entries()) symlinkSync(`socket:[${inode}]`, path.join(root, pid, 'fd', String(index + 3)));
  }
  mkdirSync(path.join(root, 'self'));
  return root;
}

describe('listeners', () => {
  it('reads each listening socket with its address and inode, IPv4 and IPv6, and skips other states', () => {
    expect(listeners(procTree({}))).toEqual([
      { port: 17400, address: '0.0.0.0', inode: '5001' },
      { port: 16001, address: '127.0.0.1', inode: '5002' },
      { port: 17400, address: '::', inode: '5004' },
    ]);
  });

  it('fails when neither table can be read', () => {
    expect(() => listeners(temporaryDir())).toThrow(/Cannot see listening sockets: .*net\/tcp and .*net\/tcp6 are not readable \(scan works on Linux\)/);
  });
});

describe('socketOwners', () => {
  it('names the process holding each socket: lowest pid first, its comm, only the sockets asked for', () => {
    const root = procTree({
      1234: { comm: 'python3', sockets: [5001] },
      900: { comm: 'nginx', sockets: [5002, 5004] },
      950: { comm: 'nginx-worker', sockets: [5002] },
    });
    expect(socketOwners(['5001', '5002'], root)).toEqual(
      new Map([
        ['5002', { pid: 900, name: 'nginx' }],
        ['5001', { pid: 1234, name: 'python3' }],
      ]),
    );
    expect(socketOwners([], root)).toEqual(new Map());
  });

  it('gives no name where this user may not look: an unreadable fd directory, a process gone, no /proc at all', () => {
    const root = procTree({ 1234: { comm: 'python3', sockets: [5001] }, 1300: { comm: 'sshd', sockets: [5002] } });
    const denied: ProcFs = {
      ...nodeProcFs,
      readdir: (dir) => {
        if (dir === path.join(root, '1300', 'fd')) throw Object.assign(new Error('EACCES'), { code: 'EACCES' });
        return nodeProcFs.readdir(dir);
      },
    };
    expect(socketOwners(['5001', '5002'], root, denied)).toEqual(new Map([['5001', { pid: 1234, name: 'python3' }]]));
    expect(socketOwners(['5001'], path.join(root, 'nowhere'))).toEqual(new Map());
  });

  it('maps ports to the process of their first named listener', () => {
    const root = procTree({ 1234: { comm: 'python3', sockets: [5004] } });
    expect(processesByPort(listeners(root), new Set([17400, 16001]), root)).toEqual(new Map([[17400, { pid: 1234, name: 'python3' }]]));
    expect(processesByPort(listeners(root), new Set([16001]), root)).toEqual(new Map());
  });
});

describe('portbook scan', () => {
  const servers: net.Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  });

  /** A port this process listens on (chosen by the system, so it is free). */
  async function listen(): Promise<number> {
    const server = net.createServer();
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as net.AddressInfo).port;
  }

  /** A second free port, not listening by the time it is used. */
  async function idlePort(): Promise<number> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise((resolve) => server.close(resolve));
    return port;
  }

  const ownName = (): string => readFileSync(`/proc/${process.pid}/comm`, 'utf8').trim();

  it('names the process behind an unregistered listener in a reserved range, in text and in --json', async () => {
    const held = await listen();
    const dir = writeProject(temporaryDir(), `| Service | Port |\n|---|---|\n| Other | 1 |\n\n## Reserved Port Ranges\n\n- **Mine**: \`${held}-${held}\`\n`);
    const text = runCli(['scan'], dir);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`listening in a reserved range but not registered (1):\n  ${held}  ? ${ownName()} (pid ${process.pid}) on 127.0.0.1\n`);
    const json = runCli(['scan', '--json'], dir);
    expect(JSON.parse(json.stdout)).toContainEqual({
      port: held,
      service: null,
      environment: null,
      listening: true,
      addresses: ['127.0.0.1'],
      process: { pid: process.pid, name: ownName() },
    });
    expect(JSON.parse(json.stdout)).toContainEqual(expect.objectContaining({ port: 1, service: 'Other', listening: false, process: null }));
  });

  it('--strict exits 1 and says why when a registered service is down or a listener is unregistered; 0 when all is well', async () => {
    const held = await listen();
    const idle = await idlePort();
    const registry = (rows: string, range: string) =>
      `## Production\n\n| Service | Port |\n|---|---|\n${rows}\n\n## Development\n\n| Service | Port |\n|---|---|\n| Dev Only | ${idle} |\n\n## Reserved Port Ranges\n\n- **Mine**: \`${range}\`\n`;

    const healthy = writeProject(temporaryDir(), registry(`| Up | ${held} |`, `${held}-${held}`));
    // the development service is down: --env production leaves it out
    expect(runCli(['scan', '--strict', '--env', 'production'], healthy)).toMatchObject({ code: 0, stderr: '' });
    const all = runCli(['scan', '--strict'], healthy);
    expect(all.code).toBe(1);
    expect(all.stdout).toContain('\nscan --strict fails: 1 registered service is not listening.');
    // without --strict scan only reports
    expect(runCli(['scan'], healthy).code).toBe(0);

    const unregistered = writeProject(temporaryDir(), registry('| Elsewhere | 1 |', `${held}-${held}`));
    const drift = runCli(['scan', '--strict', '--env', 'production'], unregistered);
    expect(drift.code).toBe(1);
    expect(drift.stdout).toContain(
      '\nscan --strict fails: 1 registered service is not listening (production), and 1 listener in a reserved range is not registered.',
    );
    const json = runCli(['scan', '--strict', '--json', '--env', 'production'], unregistered);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toHaveLength(2);
    expect(json.stderr).toBe(
      'portbook: scan --strict fails: 1 registered service is not listening (production), and 1 listener in a reserved range is not registered.\n',
    );
  });
});
