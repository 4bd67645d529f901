/**
 * What is listening on this machine right now, and which process holds each
 * socket, read from /proc (Linux): /proc/net/tcp and tcp6 give the listening
 * sockets and their inodes, /proc/<pid>/fd/* links (`socket:[inode]`) the
 * processes that hold them, /proc/<pid>/comm their names. No socket is
 * opened and nothing is spawned. Every function reads through a `ProcFs`, so
 * tests run them on a fixture tree in a temporary directory.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { PortbookError } from '../support/errors.js';

/** The three reads scanning needs; each throws when the path cannot be read. */
export interface ProcFs {
  readFile(file: string): string;
  readdir(dir: string): string[];
  readlink(file: string): string;
}

export const nodeProcFs: ProcFs = {
  readFile: (file) => readFileSync(file, 'utf8'),
  readdir: (dir) => readdirSync(dir),
  readlink: (file) => readlinkSync(file),
};

export interface Listener {
  port: number;
  /** `0.0.0.0`, `::`, `127.0.0.1`… */
  address: string;
  /** The socket's inode, as /proc/<pid>/fd links name it. */
  inode: string;
}

export interface ProcessInfo {
  pid: number;
  /** The command name (/proc/<pid>/comm), at most 15 characters on Linux. */
  name: string;
}

/** Listening TCP sockets, IPv4 then IPv6, as /proc/net lists them; fails when neither table can be read. */
export function listeners(root = '/proc', fs: ProcFs = nodeProcFs): Listener[] {
  const tables = ['tcp', 'tcp6'].map((name) => path.join(root, 'net', name));
  const found: Listener[] = [];
  let readAny = false;
  for (const table of tables) {
    let text: string;
    try {
      text = fs.readFile(table);
      readAny = true;
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10 || fields[3] !== '0A') continue; // 0A: LISTEN
      const [address, portHex] = fields[1]!.split(':');
      found.push({ port: Number.parseInt(portHex!, 16), address: decodeAddress(address!), inode: fields[9]! });
    }
  }
  if (!readAny) {
    throw new PortbookError(`Cannot see listening sockets: ${tables.join(' and ')} are not readable (scan works on Linux)`);
  }
  return found;
}

/** Listening TCP ports → the local addresses they listen on. */
export function listeningPorts(root = '/proc', fs: ProcFs = nodeProcFs): Map<number, string[]> {
  return byPort(listeners(root, fs));
}

/** Listeners grouped by port, ports in the order first seen. */
export function byPort(found: readonly Listener[]): Map<number, string[]> {
  const ports = new Map<number, string[]>();
  for (const { port, address } of found) ports.set(port, [...(ports.get(port) ?? []), address]);
  return ports;
}

/**
 * The process holding each of these socket inodes, where this user may look
 * (another user's /proc/<pid>/fd is unreadable: its sockets get no name).
 * Lowest pid first, so a server's parent is named rather than its workers.
 * Stops as soon as every inode has a process.
 */
export function socketOwners(inodes: Iterable<string>, root = '/proc', fs: ProcFs = nodeProcFs): Map<string, ProcessInfo> {
  const wanted = new Set(inodes);
  const owners = new Map<string, ProcessInfo>();
  if (wanted.size === 0) return owners;
  let pids: number[];
  try {
    pids = fs
      .readdir(root)
      .filter((name) => /^\d+$/.test(name))
      .map(Number)
      .sort((a, b) => a - b);
  } catch {
    return owners;
  }
  for (const pid of pids) {
    const fdDir = path.join(root, String(pid), 'fd');
    let fds: string[];
    try {
      fds = fs.readdir(fdDir);
    } catch {
      continue; // gone, or another user's
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = fs.readlink(path.join(fdDir, fd));
      } catch {
        continue;
      }
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode === undefined || !wanted.has(inode) || owners.has(inode)) continue;
      owners.set(inode, { pid, name: commandName(pid, root, fs) });
    }
    if (owners.size === wanted.size) break;
  }
  return owners;
}

function commandName(pid: number, root: string, fs: ProcFs): string {
  try {
    return fs.readFile(path.join(root, String(pid), 'comm')).trim() || '?';
  } catch {
    return '?';
  }
}

/** The process behind each of `ports`: the owner of the first of its listeners that has one. */
export function processesByPort(found: readonly Listener[], ports: ReadonlySet<number>, root = '/proc', fs: ProcFs = nodeProcFs): Map<number, ProcessInfo> {
  const relevant = found.filter((listener) => ports.has(listener.port));
  const owners = socketOwners(
    relevant.map((listener) => listener.inode).filter((inode) => inode !== '0'),
    root,
    fs,
  );
  const result = new Map<number, ProcessInfo>();
  for (const listener of relevant) {
    const owner = owners.get(listener.inode);
    if (owner && !result.has(listener.port)) result.set(listener.port, owner);
  }
  return result;
}

/** /proc's little-endian hex address → dotted IPv4 or compressed-enough IPv6. */
function decodeAddress(hex: string): string {
  if (hex.length === 8) return [6, 4, 2, 0].map((i) => Number.parseInt(hex.slice(i, i + 2), 16)).join('.');
  const groups: string[] = [];
  for (let word = 0; word < 4; word++) {
    const chunk = hex.slice(word * 8, word * 8 + 8);
    const bytes = [6, 4, 2, 0].map((i) => chunk.slice(i, i + 2));
    groups.push(`${bytes[0]}${bytes[1]}`, `${bytes[2]}${bytes[3]}`);
  }
  const text = groups.map((group) => group.replace(/^0+(?=.)/, '').toLowerCase()).join(':');
  return text === '0:0:0:0:0:0:0:0' ? '::' : text === '0:0:0:0:0:0:0:1' ? '::1' : text;
}
