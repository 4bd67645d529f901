/**
 * sysctl: one `sysctl.d` file that sets `net.ipv4.ip_local_reserved_ports`
 * to the registry's reserved ranges and every port it registers (services'
 * ports, the public port set) inside the kernel's ephemeral range, so an
 * outgoing connection never takes a listener's port. The range is the
 * config's (`sysctl.ephemeralRange`, Linux's default), never the host's:
 * the file is the same on every machine. No cell reaches a setting: the
 * value is numbers, and names appear only in comments.
 */
import { portNumber, portsOf, publicPorts } from '../registry/queries.js';
import type { Registry } from '../registry/types.js';
import { PortbookError } from '../support/errors.js';
import type { Target, TargetOptions } from './target.js';

/** Where the file goes: `/etc/sysctl.d/` applies files in name order, and 60 comes after the distribution's own. */
export const sysctlPath = 'sysctl.d/60-portbook.conf';

/** What the template sees (as `sysctl`, beside the model). */
export interface SysctlView {
  /** The ephemeral range assumed. */
  range: { from: number; to: number };
  /** What is reserved, one line per range or port, in port order, with what it is for. */
  items: Array<{ ports: string; label: string }>;
  /** The setting's value, as the kernel prints it back: sorted, disjoint, adjacent ports merged (`16532-17354,40000`); empty when nothing is reserved. */
  value: string;
}

type Span = { from: number; to: number };

/** `from-to`, or one port. */
const spanText = ({ from, to }: Span): string => (from === to ? String(from) : `${from}-${to}`);

/** Spans sorted and merged where they overlap or touch: the form `/proc/sys/net/ipv4/ip_local_reserved_ports` shows. */
export function mergeSpans(spans: readonly Span[]): Span[] {
  const merged: Span[] = [];
  for (const span of [...spans].sort((a, b) => a.from - b.from || a.to - b.to)) {
    const last = merged.at(-1);
    if (last && span.from <= last.to + 1) last.to = Math.max(last.to, span.to);
    else merged.push({ ...span });
  }
  return merged;
}

/** The listeners of every environment inside the range: each port once, with the names of what listens on it. */
function listenersIn(registry: Registry, range: Span): Map<number, string[]> {
  const listeners = new Map<number, string[]>();
  const add = (port: number, name: string): void => {
    if (port < range.from || port > range.to) return;
    const names = listeners.get(port) ?? [];
    if (!names.includes(name)) names.push(name);
    listeners.set(port, names);
  };
  for (const service of registry.services) {
    const port = portNumber(service.port);
    if (port !== undefined) add(port, service.name.value);
  }
  for (const { port, reasons } of publicPorts(registry)) {
    for (const reason of reasons) add(port, reason.kind === 'service' ? reason.service : reason.domain);
  }
  return listeners;
}

/**
 * The reservation: every reserved range whole, and the listeners inside the
 * ephemeral range. Refused when it would take half the ephemeral range or
 * more: outgoing connections would run short of local ports (with all of it,
 * every connect fails), which a registry's range rarely means.
 */
export function sysctlView(registry: Registry, options: TargetOptions['sysctl']): SysctlView {
  const range = options.ephemeralRange;
  const items: Array<Span & { label: string }> = [];
  for (const reserved of registry.reservedRanges) {
    const ports = portsOf(reserved);
    if (ports) items.push({ ...ports, label: `${reserved.name.value} (reserved range)` });
  }
  for (const [port, names] of listenersIn(registry, range)) items.push({ from: port, to: port, label: names.join(', ') });
  items.sort((a, b) => a.from - b.from || a.to - b.to);
  const spans = mergeSpans(items);
  const taken = spans.reduce((sum, span) => sum + Math.max(0, Math.min(span.to, range.to) - Math.max(span.from, range.from) + 1), 0);
  const size = range.to - range.from + 1;
  if (taken * 2 >= size) {
    throw new PortbookError(
      `The sysctl target would reserve ${taken} of the ${size} ports of the ephemeral range ${range.from}-${range.to} (${spans.map(spanText).join(', ')}), ` +
        "leaving outgoing connections too few local ports: narrow the registry's reserved ranges, set sysctl.ephemeralRange in the config to the host's " +
        'net.ipv4.ip_local_port_range, or leave the sysctl target out',
    );
  }
  return { range: { ...range }, items: items.map((item) => ({ ports: spanText(item), label: item.label })), value: spans.map(spanText).join(',') };
}

export const sysctl: Target<'sysctl'> = {
  id: 'sysctl',
  summary:
    "`net.ipv4.ip_local_reserved_ports` with the reserved ranges and every registered port inside the kernel's ephemeral range (`sysctl.ephemeralRange`, Linux's 32768-60999 by default), so an outgoing connection never takes a listener's port; for `/etc/sysctl.d/`",
  paths: `\`${sysctlPath}\``,
  byDefault: false,
  template: 'sysctl.conf.hbs',
  comment: '#',
  outputs: ({ model, registry, options }) => [{ path: sysctlPath, context: { ...model, sysctl: sysctlView(registry, options.sysctl) } }],
  install: {
    // one file for every environment: the reservation holds every environment's listeners
    directory: '/etc/sysctl.d',
    place: (output, _environment, name) => (output === sysctlPath ? `60-portbook${name === '' ? '' : `.${name}`}.conf` : undefined),
    loader: 'sysctl',
  },
};
