/**
 * Service details, configuration files and internal ports: `Key: value` lists
 * under headings, matched to the services they name once every table is read.
 */
import type { List, ListItem, Nodes } from 'mdast';
import { environmentNamed } from '../registry/environments.js';
import { letterDigitRuns } from '../registry/names.js';
import type { ConfigFile, DetailSection, Field, Point, Registry, Service, ServiceDetails } from '../registry/types.js';
import { cellText, parseSsl } from './cells.js';
import { normaliseHeader } from './columns.js';
import type { KeyValue } from './items.js';

type DetailKey = 'bind' | 'workers' | 'healthCheck' | 'process' | 'framework' | 'execStart' | 'socketActivation' | 'composeService' | 'containerPort';

/**
 * The keys of each detail, normalised (lower case, words). `ExecStart` and
 * `Socket Activation` are systemd's own words: a free-text `Command:` or
 * `Run:` that registries already hold stays free text.
 */
const detailKeys: ReadonlyArray<[DetailKey, RegExp]> = [
  ['bind', /^(bind|bind address|listen|listens on|address)$/],
  ['workers', /^(workers|worker processes|processes|concurrency)$/],
  ['healthCheck', /^(health check|healthcheck|health|health endpoint|health path)$/],
  ['process', /^(process|runtime|server)$/],
  ['framework', /^(framework|stack)$/],
  ['execStart', /^(execstart|exec start)$/],
  ['socketActivation', /^(socket activation|socket activated)$/],
  ['composeService', /^(compose service|docker compose service)$/],
  ['containerPort', /^(container port)$/],
];

/** Which detail a key names: `Bind`, `Workers`, `Health Check`, `Process`, `Framework`, `ExecStart`, `Socket Activation`, `Compose Service`, `Container Port`. */
export function detailKey(key: string): DetailKey | undefined {
  const normal = normaliseHeader(key);
  return detailKeys.find(([, names]) => names.test(normal))?.[0];
}

function parseDetails(items: KeyValue[]): ServiceDetails {
  const details: ServiceDetails = { items: items.map(({ key, value }) => ({ key, value })) };
  for (const item of items) {
    const kind = detailKey(item.key);
    const raw = (item.code ?? item.value.text).trim();
    if (kind === 'bind') {
      // `*:16532`, `0.0.0.0:17354 (all interfaces)`, `[::]:80`, `::1`, `127.0.0.1`: without backticks the first word,
      // the rest prose; in backticks the whole code span, so `local host` is refused by bind-invalid, never cut to `local`
      const token = item.code !== undefined ? raw : (raw.split(/\s/)[0] ?? '');
      const bracketed = /^\[([^\]]*)\](?::\d+)?$/.exec(token)?.[1];
      const host = bracketed ?? ((token.match(/:/g) ?? []).length > 1 ? token : token.replace(/:\d+$/, ''));
      details.bind = { ...item.value, value: host };
    } else if (kind === 'workers') {
      const number = /\b(\d+)\b/.exec(item.value.text)?.[1];
      const single = /\b(single|one)\b/i.test(item.value.text);
      if (number !== undefined || single) details.workers = { ...item.value, value: number !== undefined ? Number(number) : 1 };
    } else if (kind === 'healthCheck') {
      // a backticked path, a URL's path, or a word that is a path: never the slash in `N/A` or `TCP/UDP`
      const candidate = item.code ?? /(?:^|\s)((?:https?:\/\/\S+)|\/\S*)/.exec(item.value.text)?.[1];
      const url = candidate === undefined ? undefined : /^https?:\/\/[^/\s]+(\/\S*)?$/.exec(candidate);
      const path = url ? (url[1] ?? '/') : candidate;
      if (path?.startsWith('/')) details.healthCheck = { ...item.value, value: path.replace(/[.,;)]+$/, '') || '/' };
    } else if (kind === 'execStart') {
      // the command in backticks, prose around it a comment (as for Bind); without backticks, the whole value
      details.execStart = { ...item.value, value: raw };
    } else if (kind === 'socketActivation') {
      details.socketActivation = { ...item.value, value: parseSsl(item.value.text) };
    } else if (kind === 'composeService') {
      // the name in backticks, prose around it a comment; without backticks, the whole value (compose-service-invalid checks it)
      details.composeService = { ...item.value, value: raw };
    } else if (kind === 'containerPort') {
      const port = /^\d{1,5}$/.test(raw) ? Number(raw) : undefined;
      details.containerPort = { ...item.value, value: port !== undefined && port >= 1 && port <= 65535 ? port : undefined };
    }
  }
  return details;
}

/** Words that say what kind of thing a heading or label is, not which service. */
const genericWords = new Set([
  'port',
  'ports',
  'service',
  'services',
  'details',
  'detail',
  'config',
  'configuration',
  'file',
  'files',
  'unit',
  'systemd',
  'the',
  'server',
]);

function nameWords(text: string): string[] {
  return letterDigitRuns(text.toLowerCase()).filter(
    (word) => word !== '' && !genericWords.has(word) && !/^\d+$/.test(word) && environmentNamed(word) === undefined,
  );
}

/** Services whose name contains every word (`API` → `Creator Suite API`); an exact name wins. */
function servicesNamed(registry: Registry, words: string[], text: string): Service[] {
  if (words.length === 0) return [];
  const exact = registry.services.filter((service) => service.name.value.toLowerCase() === text.trim().toLowerCase());
  if (exact.length > 0) return exact;
  return registry.services.filter((service) => {
    const have = new Set(nameWords(service.name.value));
    return words.every((word) => have.has(word));
  });
}

export function attachDetails(registry: Registry, heading: Field<string>, items: KeyValue[]): DetailSection {
  const details = parseDetails(items);
  const port = /\b(\d{2,5})\b/.exec(heading.text)?.[1];
  const words = nameWords(heading.text);
  const byPort =
    port === undefined ? [] : registry.services.filter((service) => service.port.value.kind === 'number' && service.port.value.port === Number(port));
  const byName = servicesNamed(registry, words, heading.text.replace(/[:\s]*\d+\s*$/, ''));
  const names = new Set(byName.map((service) => service.name.value));
  // a heading that names a port picks the services on it (if its words agree); otherwise the services it names
  let services = byPort.length > 0 && (words.length === 0 || byPort.some((service) => names.has(service.name.value))) ? byPort : byName;
  if (new Set(services.map((service) => service.name.value)).size > 1) services = []; // ambiguous
  // a second section for the same service adds to the first (its own values win)
  for (const service of services) {
    const earlier = service.details;
    service.details = earlier ? { ...earlier, ...withoutUndefined(details), items: [...earlier.items, ...details.items] } : details;
  }
  return { heading, ...(port !== undefined ? { port: Number(port) } : {}), details, services };
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}

export function attachConfigFile(registry: Registry, item: KeyValue): ConfigFile {
  const path = (item.code ?? item.value.text).trim();
  const kind = /\.service$/.test(path) ? 'systemd' : /nginx/i.test(`${item.key} ${path}`) ? 'nginx' : 'other';
  const label: Field<string> = { value: item.key, text: item.key, position: item.value.position };
  const services = kind === 'systemd' ? servicesNamed(registry, nameWords(item.key), item.key) : [];
  const distinct = new Set(services.map((service) => service.name.value));
  if (kind === 'systemd' && distinct.size === 1) {
    for (const service of services) service.unitFile = { value: path, text: path, position: item.value.position };
  }
  return { label, path: { value: path, text: path, position: item.value.position }, kind, services };
}

/** `Internal ports (5837, 6194) not directly exposed to internet` under a security heading. */
export function readInternalPorts(list: List, registry: Registry, point: (node: Nodes | undefined) => Point): void {
  for (const item of list.children as ListItem[]) {
    const match = /\binternal ports?\b[^(]*\(([^)]*)\)/i.exec(cellText(item));
    if (!match) continue;
    for (const number of match[1]!.match(/\d+/g) ?? []) {
      registry.internalPorts ??= [];
      registry.internalPorts.push({ value: Number(number), text: number, position: point(item) });
    }
  }
}
