/** Rules about details sections and configuration files: ports in headings, units, bind addresses, workers, health paths, ExecStart and socket activation. */
import { code } from '../../diagnostics/report.js';
import { addressFault, isHostOrAddress } from '../../registry/hosts.js';
import { portNumber } from '../../registry/queries.js';
import type { ServiceDetails } from '../../registry/types.js';
import { isUnitName, parseCommand, socketListen, unitFromPath, unitVariables } from '../../targets/systemd.js';
import type { Rule, RuleContext } from '../rule.js';
import { addressAdvice, label, line } from '../rule.js';

/** More worker processes than this is a typo, not a plan (and WEB_CONCURRENCY must stay a safe integer). */
const maxWorkers = 1024;

export const detailsRules: readonly Rule[] = [
  {
    id: 'details-port-mismatch',
    check(context) {
      for (const section of context.registry.detailSections ?? []) {
        if (section.port === undefined || section.services.length === 0) continue;
        if (section.services.some((service) => portNumber(service.port) === section.port)) continue;
        const service = section.services[0]!;
        context.report(
          `Heading ${code(section.heading.text)} names port ${section.port}, but ${label(service)} is registered on ${service.port.text} (${line(service.port.position)}): make the heading and the table agree`,
          section.heading.position,
        );
      }
    },
  },
  {
    id: 'details-unknown-service',
    check(context) {
      for (const section of context.registry.detailSections ?? []) {
        if (section.services.length > 0) continue;
        context.report(
          `Details under ${code(section.heading.text)} match no single registered service, so they are not used: name the service (or its port) in the heading, or register it`,
          section.heading.position,
        );
      }
    },
  },
  {
    id: 'config-file-unmatched',
    check(context) {
      for (const file of context.registry.configFiles ?? []) {
        if (file.kind !== 'systemd') continue;
        const names = [...new Set(file.services.map((service) => service.name.value))];
        const unit = unitFromPath(file.path.value);
        if (names.length === 1 && !isUnitName(unit)) {
          const configured = Object.hasOwn(context.units, names[0]!) ? context.units[names[0]!] : undefined;
          const kept = configured === undefined ? 'its derived one' : `${code(configured)} from \`systemd.units\` in the config`;
          context.report(
            `Unit ${code(file.path.text)} has no usable unit name, so ${code(names[0])} keeps ${kept}: rename the unit file to at most 240 letters, digits and \`_.-\`, starting with a letter, digit or \`_\` (one \`@\` for a template or instance; no \`:\`, which Windows checkouts and \`systemd-analyze verify\` cannot take)`,
            file.path.position,
          );
          continue;
        }
        if (names.length === 1) continue;
        context.report(
          names.length === 0
            ? `Unit ${code(file.path.text)} (${code(file.label.text)}) matches no registered service, so it is not used: rename its label to the service's name`
            : `Unit ${code(file.path.text)} (${code(file.label.text)}) matches ${names.map(code).join(' and ')}, so it is not used: rename its label to one service's full name`,
          file.path.position,
        );
      }
    },
  },
  {
    id: 'unit-overridden',
    check(context) {
      // a row placed in several environments is one copy per environment, all with the one list item's unit
      const seen = new Set<string>();
      for (const service of context.registry.services) {
        const file = service.unitFile;
        const at = file && `${file.position.line}:${file.position.column}`;
        if (!file || !at || seen.has(at) || !Object.hasOwn(context.units, service.name.value)) continue;
        seen.add(at);
        const configured = context.units[service.name.value]!;
        const unit = unitFromPath(file.value);
        // an unusable name in the list loses to the config (config-file-unmatched says so); the same name twice loses nothing
        if (!isUnitName(unit) || unit === configured) continue;
        context.report(
          `Unit ${code(unit)} that this list names for ${label(service)} wins over ${code(configured)} that \`systemd.units\` in the config gives it, so the config's entry is ignored: remove one of them (this item, or the entry in the config)`,
          file.position,
        );
      }
    },
  },
  {
    id: 'bind-invalid',
    check(context) {
      checkDetail(
        context,
        'bind',
        (bind) => bind === '*' || isHostOrAddress(bind) || isHostOrAddress(`[${bind}]`),
        (bind) => {
          // a bare IPv6 address (two colons or more) is judged as one
          const fault = addressFault((bind.value.match(/:/g) ?? []).length > 1 ? `[${bind.value}]` : bind.value);
          // in backticks the whole span is the address (details.ts): words belong after them
          const words = /\s/.test(bind.value) ? ': the backticks hold words as well; put the address alone in backticks and any words after them' : '';
          return `Unexpected bind address ${code(bind.value)}, expected an IP address, \`*\` or a host name such as \`127.0.0.1:8000\`${words || addressAdvice(fault, (host) => host.replace(/^\[(.*)\]$/, '$1'))}`;
        },
      );
    },
  },
  {
    id: 'workers-invalid',
    check(context) {
      // 0 (`0 (auto)`) has always meant "not set": nothing is rendered for it
      checkDetail(
        context,
        'workers',
        (workers) => Number.isSafeInteger(workers) && workers >= 0 && workers <= maxWorkers,
        (workers) =>
          `Unexpected worker count ${code(/\b(\d+)\b/.exec(workers.text)?.[1] ?? String(workers.value))}, expected a whole number of processes up to ${maxWorkers} (it becomes WEB_CONCURRENCY in the unit; 0 leaves it unset)`,
      );
    },
  },
  {
    id: 'health-path-invalid',
    check(context) {
      checkDetail(
        context,
        'healthCheck',
        (health) => /^\/[A-Za-z0-9._~/-]*$/.test(health),
        (health) => `Unexpected health-check path ${code(health.value)}, expected a path of letters, digits and \`/._~-\` such as \`/health\``,
      );
    },
  },
  {
    id: 'exec-start-invalid',
    check(context) {
      for (const section of context.registry.detailSections ?? []) {
        const field = section.details.execStart;
        if (!field) continue;
        // `${NAME}` must be a variable the unit sets: the services' own (one name: the same unit in each environment it is placed in)
        const variables = section.services.length > 0 ? section.services.map(unitVariables) : [undefined];
        for (const names of variables) {
          const parsed = parseCommand(field.value, names);
          if ('problem' in parsed) context.report(parsed.problem, field.position);
        }
      }
    },
  },
  {
    id: 'socket-activation-invalid',
    check(context) {
      for (const section of context.registry.detailSections ?? []) {
        const field = section.details.socketActivation;
        if (!field) continue;
        if (field.value === undefined) {
          context.report(
            `Unexpected socket activation ${code(field.text)}, expected yes or no: write \`yes\` for a \`.socket\` unit, or \`no\``,
            field.position,
          );
          continue;
        }
        if (!field.value) continue;
        for (const service of section.services) {
          const bind = service.details?.bind;
          // a bind that is no address at all is bind-invalid's; a host name is a fine bind, but no socket address
          if (!bind || socketListen(bind.value, 1) !== undefined || !isHostOrAddress(bind.value)) continue;
          context.report(
            `Unexpected socket activation for ${label(service)}, whose bind address ${code(bind.value)} (${line(bind.position)}) is a host name, expected an IP address: a socket listens on an address; write it in the Bind detail (\`127.0.0.1\`, \`::1\`, \`*\`)`,
            field.position,
          );
        }
      }
    },
  },
];

/** Report each details section's `key` value that `valid` refuses, at the value. */
function checkDetail<K extends 'bind' | 'workers' | 'healthCheck'>(
  context: RuleContext,
  key: K,
  valid: (value: NonNullable<ServiceDetails[K]>['value']) => boolean,
  message: (field: NonNullable<ServiceDetails[K]>) => string,
): void {
  for (const section of context.registry.detailSections ?? []) {
    const field = section.details[key] as NonNullable<ServiceDetails[K]> | undefined;
    if (field && !valid(field.value)) context.report(message(field), field.position);
  }
}
