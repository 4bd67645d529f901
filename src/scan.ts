/**
 * What is listening on this machine right now, read from /proc/net/tcp and
 * /proc/net/tcp6 (Linux). No sockets are opened and nothing is spawned.
 */
import { readFileSync } from 'node:fs';
import { PortbookError } from './errors.js';

/** Listening TCP ports → the local addresses they listen on (`0.0.0.0`, `::`, `127.0.0.1`…). */
export function listeningPorts(files: readonly string[] = ['/proc/net/tcp', '/proc/net/tcp6']): Map<number, string[]> {
  const ports = new Map<number, string[]>();
  let readAny = false;
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
      readAny = true;
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 4 || fields[3] !== '0A') continue; // 0A: LISTEN
      const [address, portHex] = fields[1]!.split(':');
      const port = Number.parseInt(portHex!, 16);
      const list = ports.get(port) ?? [];
      list.push(decodeAddress(address!));
      ports.set(port, list);
    }
  }
  if (!readAny) {
    throw new PortbookError(`Cannot see listening sockets: ${files.join(' and ')} are not readable (scan works on Linux)`);
  }
  return ports;
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
