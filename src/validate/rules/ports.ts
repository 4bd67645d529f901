/** Rules about ports and reserved ranges: placeholders, numbers, duplicates, privileged ports, ranges. */
import { code } from '../../diagnostics/report.js';
import { inReservedRange, portNumber, portsOf } from '../../registry/queries.js';
import type { Field, PortCell } from '../../registry/types.js';
import type { Rule, RuleContext } from '../rule.js';
import { duplicates, externalOwner, label, line, where } from '../rule.js';

/** What to do about a placeholder: a service's port can come from `next` or `fill`; an external-access row's has a default. */
const placeholderRemedy = {
  service: 'choose a free port and write it here (`portbook next` prints one), or run `portbook fill` to write one into every placeholder',
  external: 'write the port nginx listens on, or leave the cell empty for 443 with SSL and 80 without',
};

/** `owner` names the row's owner, asked only for a report (every row is checked; a name in backticks is made for few). */
function checkPortCell(
  context: RuleContext,
  port: Field<PortCell> | undefined,
  owner: () => string,
  kind: PortCell['kind'],
  of: 'service' | 'external' = 'service',
): void {
  if (!port || port.value.kind !== kind) return;
  const text = port.text;
  if (kind === 'placeholder') {
    context.report(
      `Port of ${owner()} is ${text === '' ? 'empty' : `the placeholder ${code(text)}`}, expected a number from 1 to 65535: ${placeholderRemedy[of]}`,
      port.position,
    );
  } else if (port.value.kind === 'invalid') {
    const reading = port.value.reading;
    const hint =
      reading !== undefined
        ? `: did you mean ${reading}? Write it in digits`
        : /\d\s*[-\u2013,/ ]\s*\d/.test(text) // `-` or `–` (escaped: see extract/cells.ts)
          ? ': give each port its own row'
          : /^\d+\s*\(/.test(text)
            ? ': put the note in another column; for a port per environment, use an `Environment` column or one table per environment heading'
            : '';
    context.report(`Unexpected port ${code(text)} for ${owner()}, expected one whole number from 1 to 65535${hint}`, port.position);
  } else if (kind === 'missing') {
    context.report(`Row for ${owner()} has no port cell, expected one under the Port column: add the missing cells`, port.position);
  }
}

export const portsRules: readonly Rule[] = [
  {
    id: 'port-placeholder',
    check(context) {
      for (const service of context.registry.services) checkPortCell(context, service.port, () => label(service), 'placeholder');
      for (const access of context.registry.externalAccess) checkPortCell(context, access.port, () => externalOwner(access), 'placeholder', 'external');
    },
  },
  {
    id: 'port-not-integer',
    check(context) {
      for (const service of context.registry.services) {
        checkPortCell(context, service.port, () => label(service), 'invalid');
        checkPortCell(context, service.port, () => label(service), 'missing');
      }
      for (const access of context.registry.externalAccess) checkPortCell(context, access.port, () => externalOwner(access), 'invalid');
    },
  },
  {
    id: 'port-out-of-range',
    check(context) {
      const check = (port: Field<PortCell> | undefined, owner: () => string): void => {
        const number = portNumber(port);
        if (number === undefined || (number >= 1 && number <= 65535)) return;
        context.report(`Port ${port!.text} of ${owner()} is out of range, expected 1 to 65535: choose a port in that range`, port!.position);
      };
      for (const service of context.registry.services) check(service.port, () => label(service));
      for (const access of context.registry.externalAccess) check(access.port, () => externalOwner(access));
    },
  },
  {
    id: 'port-duplicate',
    check(context) {
      duplicates(
        context.registry.services,
        (service) => {
          const port = portNumber(service.port);
          return port !== undefined && port >= 1 && port <= 65535 ? String(port) : undefined; // port-out-of-range says the rest
        },
        (service, first, port) =>
          context.report(
            `Port ${port} of ${label(service)} is already used by ${label(first)} (${line(first.port.position)}) in ${where(service.environment)}: give one of them another port`,
            service.port.position,
          ),
      );
    },
  },
  {
    id: 'port-privileged',
    check(context) {
      for (const service of context.registry.services) {
        const port = portNumber(service.port);
        if (port === undefined || port < 1 || port >= 1024) continue;
        context.report(
          `Port ${port} of ${label(service)} is privileged (below 1024) and needs root to bind: prefer a port from 1024 up behind nginx`,
          service.port.position,
        );
      }
      for (const access of context.registry.externalAccess) {
        const port = portNumber(access.port);
        if (port === undefined || port < 1 || port >= 1024 || port === 80 || port === 443) continue;
        context.report(
          `External port ${port} of ${externalOwner(access)} is privileged (below 1024) and not 80 or 443: use 80 or 443, or a port from 1024 up`,
          access.port!.position,
        );
      }
    },
  },
  {
    id: 'port-outside-reserved-range',
    check(context) {
      const ranges = context.registry.reservedRanges.flatMap((range) => portsOf(range) ?? []);
      if (ranges.length === 0) return;
      const list = ranges.map((range) => `${range.from}-${range.to}`).join(', ');
      for (const service of context.registry.services) {
        const port = portNumber(service.port);
        if (port === undefined || port < 1 || port > 65535) continue;
        if (inReservedRange(context.registry, port)) continue;
        context.report(
          `Port ${port} of ${label(service)} is outside every reserved range (${list}): move it into a range or declare a range for it`,
          service.port.position,
        );
      }
    },
  },
  {
    id: 'port-ephemeral',
    check(context) {
      const { range, reserved } = context.ephemeral;
      if (reserved) return; // the sysctl target writes every such port into net.ipv4.ip_local_reserved_ports
      const inRange = (port: number | undefined): port is number => port !== undefined && port >= range.from && port <= range.to;
      const why = `the kernel's ephemeral range ${range.from}-${range.to}, from which outgoing connections take their local ports`;
      for (const service of context.registry.services) {
        const port = portNumber(service.port);
        if (!inRange(port)) continue;
        context.report(
          `Port ${port} of ${label(service)} lies in ${why}, so one may hold it when the service starts: choose a port below ${range.from} (\`portbook next\` picks a free one), or enable the \`sysctl\` target to reserve it`,
          service.port.position,
        );
      }
      for (const access of context.registry.externalAccess) {
        const port = portNumber(access.port);
        if (!inRange(port)) continue;
        context.report(
          `External port ${port} of ${externalOwner(access)} lies in ${why}, so one may hold it when nginx starts: choose a port below ${range.from}, or enable the \`sysctl\` target to reserve it`,
          access.port!.position,
        );
      }
    },
  },
  {
    id: 'exposure-invalid',
    check(context) {
      for (const service of context.registry.services) {
        const exposure = service.exposure;
        if (!exposure || exposure.value !== undefined) continue;
        context.report(
          `Unexpected Exposure ${code(exposure.text)} for ${label(service)}, expected \`public\` (its port is opened to the internet) or \`internal\` (closed from outside; a service behind nginx is internal)`,
          exposure.position,
        );
      }
    },
  },
  {
    id: 'range-invalid',
    check(context) {
      for (const range of context.registry.reservedRanges) {
        if (portsOf(range)) continue;
        context.report(
          `Unexpected range ${code(range.range.text)} for ${code(range.name.value)}, expected \`from-to\` with 1 ≤ from ≤ to ≤ 65535, e.g. \`16532-17354\``,
          range.range.position,
        );
      }
    },
  },
];
