/**
 * Rules about the ports the document mentions outside its tables (code
 * samples, ASCII pictures, the text; extract/mentions.ts says what is read):
 * a mention that gives a service another port than its table, and a port no
 * table registers.
 *
 * A mention names a service when it is given to the service's variable
 * (`API_SERVER_PORT=…`, or `API_PORT=…` when the words before `PORT` are
 * words of one service's name), when it stands in a picture's box whose
 * title names one service (`API Backend` for `Creator Suite API`), or when
 * one service's full name stands right before it (`API Server: localhost:8000`,
 * `API Server runs on port 8000`, `API_SERVER_URL=http://localhost:8000`).
 * Such a mention agrees when the port is the service's in some environment.
 * A mention that names no service is reported only when its port is in no
 * table at all and is not a well-known port (below 1024). A service whose
 * port is still a placeholder is port-placeholder's, not these rules'; a
 * port in a details heading (`API Port: 17354`) is details-port-mismatch's.
 */
import { code } from '../../diagnostics/report.js';
import { codePointBefore, isLetterOrDigit, portVariable, words } from '../../registry/names.js';
import { portNumber } from '../../registry/queries.js';
import type { PortMention, Registry, Service } from '../../registry/types.js';
import type { Rule } from '../rule.js';
import { label, line } from '../rule.js';

/** Words that say what kind of thing a name is, not which one. */
const genericWords = new Set(['port', 'ports', 'service', 'services', 'server', 'the', 'app', 'application']);

/** The lowercase words of a service's name or a box title, as the user wrote them (`WebSocket` is one word). */
const nameWordsOf = (text: string): string[] => words(text).map((word) => word.toLowerCase());

/** The lowercase words of an identifier: `apiPort`, `API_PORT` and `api-port` alike. */
const identifierWordsOf = (text: string): string[] => nameWordsOf(text.replace(/([a-z0-9])([A-Z])/g, '$1 $2'));

/** What may stand between a service's name and the mention: markup, punctuation, `runs on`, `listens at`, `is`. */
const connectors = /(?:[\s*_`'"()[\]:=,-]|\b(?:runs|listens|is|serves|served|lives|available|reachable|on|at|via)\b)*$/iu;

/** An identifier that holds an address (`API_URL=`, `redisHost:`): its words before the last name a service. */
const addressVariable = /([A-Za-z_][A-Za-z0-9_]*)$/;
const addressWords = new Set(['url', 'uri', 'host', 'addr', 'address', 'dsn', 'endpoint']);

/** The services of one name (one per environment it is in), or none when the mention names no single service. */
type Namer = (mention: PortMention) => Service[];

function namer(registry: Registry): Namer {
  const byName = new Map<string, Service[]>();
  const byVariable = new Map<string, Service[]>();
  for (const service of registry.services) {
    byName.set(service.name.value, [...(byName.get(service.name.value) ?? []), service]);
    const variable = portVariable(service);
    byVariable.set(variable, [...(byVariable.get(variable) ?? []), service]);
  }
  const names = [...byName.keys()];
  const nameWords = new Map(names.map((name) => [name, new Set(nameWordsOf(name))]));
  // words every name shares (`Creator Suite …`) tell no service apart
  const shared =
    names.length < 2 ? new Set<string>() : new Set([...nameWords.get(names[0]!)!].filter((word) => names.every((name) => nameWords.get(name)!.has(word))));
  const distinctive = new Map(names.map((name) => [name, [...nameWords.get(name)!].filter((word) => !genericWords.has(word) && !shared.has(word))]));
  const only = (found: string[]): Service[] => (found.length === 1 ? byName.get(found[0]!)! : []);
  /** `API_PORT` → the service whose name has the word `api`. */
  const byStem = (identifier: string, suffixes: ReadonlySet<string>): Service[] => {
    const exact = byVariable.get(identifier);
    if (exact) return exact;
    const stem = identifierWordsOf(identifier);
    if (!suffixes.has(stem.at(-1) ?? '')) return [];
    const wanted = stem.slice(0, -1).filter((word) => !genericWords.has(word));
    if (wanted.length === 0) return [];
    return only(names.filter((name) => wanted.every((word) => nameWords.get(name)!.has(word))));
  };
  /** A box title: a service whose distinctive words it has, or whose name has all its words. */
  const byTitle = (title: string): Service[] => {
    const have = nameWordsOf(title).filter((word) => !genericWords.has(word));
    if (have.length === 0) return [];
    const found = names.filter((name) => {
      const own = distinctive.get(name)!;
      return (own.length > 0 && own.every((word) => have.includes(word))) || have.every((word) => nameWords.get(name)!.has(word));
    });
    return only(found);
  };
  /** A full name right before the mention; the longest wins (`Creator Suite API` over `API`). */
  const byText = (before: string): Service[] => {
    const tail = before.replace(connectors, '');
    const lower = tail.toLowerCase();
    // the name is a word of its own: what is before it does not end with a letter or digit of any script
    const wordBefore = (prefix: string): boolean => {
      const last = codePointBefore(prefix, prefix.length);
      return last !== undefined && isLetterOrDigit(last);
    };
    const ending = names
      .filter((name) => lower.endsWith(name.toLowerCase()) && !wordBefore(tail.slice(0, tail.length - name.length)))
      .sort((a, b) => b.length - a.length);
    if (ending[0] !== undefined) return byName.get(ending[0])!;
    const identifier = addressVariable.exec(tail)?.[1];
    return identifier === undefined ? [] : byStem(identifier, addressWords);
  };
  return (mention) => {
    if (mention.variable !== undefined) return byStem(mention.variable, new Set(['port']));
    if (mention.label !== undefined) {
      const titled = byTitle(mention.label);
      if (titled.length > 0) return titled;
    }
    return byText(mention.before);
  };
}

/** Every port a table registers: services', external listen ports, proxy targets, and those a security note calls internal. */
function registered(registry: Registry): Set<number> {
  const ports = new Set<number>();
  const add = (port: number | undefined): void => {
    if (port !== undefined) ports.add(port);
  };
  for (const service of registry.services) add(portNumber(service.port));
  for (const access of registry.externalAccess) {
    add(portNumber(access.port));
    add(access.target?.value?.port);
  }
  for (const port of registry.internalPorts ?? []) add(port.value);
  return ports;
}

type Verdict = { mention: PortMention; services: Service[] } & ({ kind: 'mismatch' } | { kind: 'unregistered' });

/** Each mention that disagrees with the tables, and how. */
function verdicts(registry: Registry): Verdict[] {
  const mentions = registry.mentions ?? [];
  if (mentions.length === 0) return [];
  // a details heading's port is details-port-mismatch's
  const detailHeadings = new Set((registry.detailSections ?? []).map((section) => section.heading.position.line));
  // a `Container Port` detail is the port inside a container, which no table registers (compose-service-invalid checks it)
  const containerPorts = new Set((registry.detailSections ?? []).flatMap((section) => section.details.containerPort?.position.line ?? []));
  const known = registered(registry);
  const named = namer(registry);
  const found: Verdict[] = [];
  for (const mention of mentions) {
    if (mention.context === 'prose' && (detailHeadings.has(mention.port.position.line) || containerPorts.has(mention.port.position.line))) continue;
    const port = mention.port.value;
    const services = named(mention).filter((service) => portNumber(service.port) !== undefined);
    if (services.length > 0) {
      if (!services.some((service) => portNumber(service.port) === port)) found.push({ mention, services, kind: 'mismatch' });
      continue;
    }
    // a service named, but with a placeholder port: port-placeholder says so
    if (named(mention).length > 0 || port < 1024 || known.has(port)) continue;
    found.push({ mention, services, kind: 'unregistered' });
  }
  return found;
}

/** The marker kind a code block's language could be written by (`env` for ```dotenv), if any. */
function sampleKind(lang: string | undefined): string | undefined {
  if (lang === 'env' || lang === 'dotenv') return 'env';
  if (lang === 'python' || lang === 'py') return 'python';
  if (lang === 'ts' || lang === 'typescript') return 'ts';
  return undefined;
}

/** What to correct: the sample, the picture or the text (and how gen can keep a sample right). */
function correction(mention: PortMention): string {
  if (mention.context === 'picture') return 'correct the picture';
  if (mention.context === 'prose') return 'correct the text';
  const kind = sampleKind(mention.lang);
  return kind === undefined
    ? 'correct the code sample'
    : `correct the sample (or put it between \`<!-- portbook:${kind} -->\` and \`<!-- /portbook:${kind} -->\`, and gen writes it)`;
}

/** `16100 (line 9) or 17100 (line 20)`: a service's ports in its environments, each at its first row. */
function registeredAs(services: readonly Service[]): string {
  const first = new Map<number, Service>();
  for (const service of services) {
    const port = portNumber(service.port)!;
    if (!first.has(port)) first.set(port, service);
  }
  return [...first].map(([port, service]) => `${port} (${line(service.port.position)})`).join(' or ');
}

export const mentionsRules: readonly Rule[] = [
  {
    id: 'mention-port-mismatch',
    check(context) {
      for (const verdict of verdicts(context.registry)) {
        if (verdict.kind !== 'mismatch') continue;
        const { mention, services } = verdict;
        context.report(
          `Unexpected port ${mention.port.value} for ${label(services[0]!)} in ${code(mention.port.text)}, expected ${registeredAs(services)} as its table says: ${correction(mention)}`,
          mention.port.position,
        );
      }
    },
  },
  {
    id: 'mention-port-unregistered',
    check(context) {
      for (const verdict of verdicts(context.registry)) {
        if (verdict.kind !== 'unregistered') continue;
        const { mention } = verdict;
        const owner = mention.label ?? mention.variable;
        const of = owner === undefined ? '' : ` of ${code(owner)}`;
        const add = mention.label === undefined ? 'add the service that uses it to a service table' : `add ${code(mention.label)} to a service table`;
        context.report(`Port ${mention.port.value}${of} (${code(mention.port.text)}) is in no table: ${add}, or ${correction(mention)}`, mention.port.position);
      }
    },
  },
];
