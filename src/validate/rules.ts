/**
 * The validate stage's rules, as a table: each a catalogue id
 * (diagnostics/rules.ts: severity, summary, documentation) and a check that
 * reports at the offending cell. Messages say what is
 * wrong, the value, and what to do.
 */
import { code } from '../diagnostics/report.js';
import type { RuleId } from '../diagnostics/rules.js';
import { asciiHostname, isHostOrAddress } from '../registry/hosts.js';
import { environmentNamed } from '../registry/environments.js';
import { detailVariables, environmentKey, portVariable, variablePattern } from '../registry/names.js';
import { upstreamName } from '../targets/nginx.js';
import { isUnitName, unitFromPath, unitName } from '../targets/systemd.js';
import { protocolInfo } from '../registry/protocols.js';
import { hasUpstream, listenPort, portNumber, targetIndex, usesSsl } from '../registry/queries.js';
import type { Environment, ExternalAccess, Field, Point, PortCell, Registry, Service, ServiceDetails } from '../registry/types.js';

/** More worker processes than this is a typo, not a plan (and WEB_CONCURRENCY must stay a safe integer). */
const maxWorkers = 1024;

export interface RuleContext {
  registry: Registry;
  /** Configured unit names, service name → unit. */
  units: Readonly<Record<string, string>>;
  report(message: string, place: Point): void;
}

/** A check of the validate stage. Its severity, summary and documentation are its catalogue entry (diagnostics/rules.ts). */
export interface Rule {
  id: RuleId;
  check(context: RuleContext): void;
}

const label = (service: Service): string => code(service.name.value);
const where = (environment: Environment): string =>
  environment.name ? `the ${environment.name} environment` : 'the default environment';
const line = (point: Point): string => `line ${point.line}`;

/** Group by environment key, keeping document order. */
function byEnvironment<T extends { environment: Environment }>(items: readonly T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = environmentKey(item.environment.name);
    const group = groups.get(key) ?? [];
    group.push(item);
    groups.set(key, group);
  }
  return groups;
}

/** Report every later item whose key repeats an earlier one in the same environment (or anywhere, with `across`). */
function duplicates<T extends { environment: Environment }>(
  items: readonly T[],
  key: (item: T) => string | undefined,
  onDuplicate: (item: T, first: T, key: string) => void,
  across: 'environment' | 'all' = 'environment',
): void {
  const groups = across === 'all' ? [items] : byEnvironment(items).values();
  for (const group of groups) {
    const seen = new Map<string, T>();
    for (const item of group) {
      const value = key(item);
      if (value === undefined || value === '') continue;
      const first = seen.get(value);
      if (first) onDuplicate(item, first, value);
      else seen.set(value, item);
    }
  }
}

function checkPortCell(context: RuleContext, port: Field<PortCell> | undefined, owner: string, kind: PortCell['kind']): void {
  if (!port || port.value.kind !== kind) return;
  const text = port.text;
  if (kind === 'placeholder') {
    context.report(
      `Port of ${owner} is ${text === '' ? 'empty' : `the placeholder ${code(text)}`}, expected a number from 1 to 65535: choose a free port and write it here`,
      port.position,
    );
  } else if (kind === 'invalid') {
    const hint = /\d\s*[-–,/ ]\s*\d/.test(text)
      ? ': give each port its own row'
      : /^\d+\s*\(/.test(text)
        ? ': put the note in another column; for a port per environment, use an `Environment` column or one table per environment heading'
        : '';
    context.report(`Unexpected port ${code(text)} for ${owner}, expected one whole number from 1 to 65535${hint}`, port.position);
  } else if (kind === 'missing') {
    context.report(`Row for ${owner} has no port cell, expected one under the Port column: add the missing cells`, port.position);
  }
}

/** Names the generated settings use themselves. */
const reservedVariables = new Map<string, string>([
  ['PORTS', "the object of every environment's ports in settings.ts and settings.py"],
  ...['PATH', 'HOME', 'USER', 'SHELL', 'PWD', 'IFS', 'TMPDIR', 'LANG', 'ENV', 'BASH_ENV', 'PS4', 'LD_PRELOAD', 'LD_LIBRARY_PATH', 'LD_AUDIT',
    'DYLD_INSERT_LIBRARIES', 'DYLD_LIBRARY_PATH', 'NODE_OPTIONS', 'NODE_PATH', 'PYTHONPATH', 'PYTHONSTARTUP', 'PYTHONHOME', 'PERL5OPT',
    'PERL5LIB', 'RUBYOPT', 'RUBYLIB', 'JAVA_TOOL_OPTIONS', '_JAVA_OPTIONS', 'GIT_SSH_COMMAND'].map(
    (name): [string, string] => [name, 'the system: setting it from a port table would change how programs run'],
  ),
]);

const externalOwner = (access: ExternalAccess): string => code(access.domain.text);

export const rules: readonly Rule[] = [
  {
    id: 'registry-empty',
    check(context) {
      if (context.registry.services.length > 0) return;
      context.report(
        'Unexpected document without a service table, expected a table with a `Service` and a `Port` column, e.g. `| Service | Port | Protocol |`',
        { line: 1, column: 1 },
      );
    },
  },
  {
    id: 'name-missing',
    check(context) {
      for (const service of context.registry.services) {
        if (service.name.text === '') {
          context.report('Row has an empty service name, expected a name such as `API Server`: name the service', service.name.position);
        } else if (!service.variable && portVariable(service) === '') {
          context.report(
            `Unexpected service name ${label(service)}, expected letters or digits to derive its variable name: rename it or add an \`Env\` column`,
            service.name.position,
          );
        }
      }
    },
  },
  {
    id: 'port-placeholder',
    check(context) {
      for (const service of context.registry.services) checkPortCell(context, service.port, label(service), 'placeholder');
      for (const access of context.registry.externalAccess) checkPortCell(context, access.port, externalOwner(access), 'placeholder');
    },
  },
  {
    id: 'port-not-integer',
    check(context) {
      for (const service of context.registry.services) {
        checkPortCell(context, service.port, label(service), 'invalid');
        checkPortCell(context, service.port, label(service), 'missing');
      }
      for (const access of context.registry.externalAccess) checkPortCell(context, access.port, externalOwner(access), 'invalid');
    },
  },
  {
    id: 'port-out-of-range',
    check(context) {
      const check = (port: Field<PortCell> | undefined, owner: string): void => {
        const number = portNumber(port);
        if (number === undefined || (number >= 1 && number <= 65535)) return;
        context.report(`Port ${port!.text} of ${owner} is out of range, expected 1 to 65535: choose a port in that range`, port!.position);
      };
      for (const service of context.registry.services) check(service.port, label(service));
      for (const access of context.registry.externalAccess) check(access.port, externalOwner(access));
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
    id: 'variable-invalid',
    check(context) {
      for (const service of context.registry.services) {
        const variable = service.variable;
        if (!variable) continue;
        if (reservedVariables.has(variable.value)) {
          context.report(
            `Unexpected variable name ${code(variable.text)} for ${label(service)}: it is reserved for ${reservedVariables.get(variable.value)}; choose another name`,
            variable.position,
          );
          continue;
        }
        if (environmentNamed(variable.value) && !variablePattern.test(variable.value)) {
          context.report(
            `Unexpected variable name ${code(variable.text)} for ${label(service)}: it looks like an environment; rename the column header to \`Environment\` (\`Env\` names variables)`,
            variable.position,
          );
          continue;
        }
        if (variablePattern.test(variable.value)) continue;
        context.report(
          `Unexpected variable name ${code(variable.text)} for ${label(service)}, expected upper-case letters, digits and \`_\` not starting with a digit, e.g. \`API_PORT\``,
          variable.position,
        );
      }
    },
  },
  {
    id: 'variable-duplicate',
    check(context) {
      const usable = (service: Service): boolean =>
        !service.variable || (variablePattern.test(service.variable.value) && !reservedVariables.has(service.variable.value));
      duplicates(
        context.registry.services,
        (service) => (usable(service) ? portVariable(service) : undefined),
        (service, first, variable) =>
          context.report(
            `Variable ${code(variable)} of ${label(service)} is already taken by ${label(first)} (${line(first.position)}) in ${where(service.environment)}: ${service.variable ? 'change one of the `Env` cells' : 'rename one of them'}`,
            (service.variable ?? service.name).position,
          ),
      );
      // the variables details add must not meet any other variable of the environment
      for (const group of byEnvironment(context.registry.services).values()) {
        const owners = new Map<string, Service>();
        for (const service of group) if (usable(service)) owners.set(portVariable(service), service);
        for (const service of group) {
          if (!usable(service)) continue;
          for (const variable of detailVariables(service)) {
            const first = owners.get(variable);
            if (first && first !== service) {
              context.report(
                `Variable ${code(variable)} that the details of ${label(service)} add is already taken by ${label(first)} (${line(first.position)}) in ${where(service.environment)}: change its \`Env\` cell or rename one of them`,
                service.name.position,
              );
            } else owners.set(variable, service);
          }
        }
      }
    },
  },
  {
    id: 'identifier-duplicate',
    check(context) {
      const names = [
        { what: 'nginx upstream', of: (service: Service) => (hasUpstream(service) ? upstreamName(service) : undefined), across: 'all' as const },
        { what: 'systemd unit', of: (service: Service) => unitName(service, context.units), across: 'environment' as const },
      ];
      for (const { what, of, across } of names) {
        duplicates(
          context.registry.services,
          of,
          (service, first, name) => {
            // the same name twice, or names that derive the same variable: variable-duplicate says it
            const sameEnvironment = service.environment.name === first.environment.name;
            if (sameEnvironment && !service.variable && !first.variable && portVariable(service) === portVariable(first)) return;
            context.report(
              `Service ${label(service)} would get the ${what} name ${code(name)} already derived for ${label(first)} (${line(first.position)}${sameEnvironment ? '' : `, ${where(first.environment)}`}): rename one of them`,
              service.name.position,
            );
          },
          across,
        );
      }
    },
  },
  {
    id: 'protocol-unknown',
    check(context) {
      for (const service of context.registry.services) {
        const unknown = protocolInfo(service.protocol?.value).unknown;
        if (unknown.length === 0) continue;
        context.report(
          `Unknown protocol ${code(service.protocol!.text)} for ${label(service)}, expected e.g. HTTP, WS, TCP, PostgreSQL: it is not proxied by nginx`,
          service.protocol!.position,
        );
      }
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
        context.report(`External port ${port} of ${externalOwner(access)} is privileged (below 1024) and not 80 or 443: use 80 or 443, or a port from 1024 up`, access.port!.position);
      }
    },
  },
  {
    id: 'port-outside-reserved-range',
    check(context) {
      const ranges = context.registry.reservedRanges.flatMap((range) => {
        const value = range.range.value;
        return value && value.from >= 1 && value.from <= value.to && value.to <= 65535 ? [{ ...value, name: range.name.value }] : [];
      });
      if (ranges.length === 0) return;
      const list = ranges.map((range) => `${range.from}-${range.to}`).join(', ');
      for (const service of context.registry.services) {
        const port = portNumber(service.port);
        if (port === undefined || port < 1 || port > 65535) continue;
        if (ranges.some((range) => port >= range.from && port <= range.to)) continue;
        context.report(
          `Port ${port} of ${label(service)} is outside every reserved range (${list}): move it into a range or declare a range for it`,
          service.port.position,
        );
      }
    },
  },
  {
    id: 'range-invalid',
    check(context) {
      for (const range of context.registry.reservedRanges) {
        const value = range.range.value;
        if (value && value.from >= 1 && value.to <= 65535 && value.from <= value.to) continue;
        context.report(
          `Unexpected range ${code(range.range.text)} for ${code(range.name.value)}, expected \`from-to\` with 1 ≤ from ≤ to ≤ 65535, e.g. \`16532-17354\``,
          range.range.position,
        );
      }
    },
  },
  {
    id: 'domain-invalid',
    check(context) {
      for (const access of context.registry.externalAccess) {
        if (asciiHostname(access.domain.value) !== undefined) continue;
        const value = access.domain.value;
        const hint = /^[^/\s]+\/\S/.test(value)
          ? ': paths are not supported here; serve the path from the service, or give it a subdomain'
          : /^[^:\s]+:\d+$/.test(value)
            ? ': put the port in the `Port` column'
            : '';
        context.report(
          access.domain.text === ''
            ? 'Row has an empty domain, expected a host name such as `api.example.com`'
            : `Unexpected domain ${code(access.domain.text)}, expected a host name of letters, digits, hyphens and dots such as \`api.example.com\`${hint}`,
          access.domain.position,
        );
      }
    },
  },
  {
    id: 'domain-duplicate',
    check(context) {
      duplicates(
        context.registry.externalAccess,
        domainAndPort,
        (access, first) =>
          context.report(
            `Domain ${code(access.domain.text)} is already served by ${line(first.position)} in ${where(access.environment)}: remove one of the rows`,
            access.domain.position,
          ),
      );
    },
  },
  {
    id: 'domain-shared',
    check(context) {
      // rows domain-duplicate reports already (the same domain twice in one environment) get that error, not this warning too
      const duplicated = new Set<ExternalAccess>();
      duplicates(context.registry.externalAccess, domainAndPort, (access) => duplicated.add(access));
      // each row's collisions, in document order: its own server block or its redirect against the first block on that port
      const first = new Map<string, ServerBlock>();
      const collisions = new Map<ExternalAccess, Array<{ block: ServerBlock; first: ServerBlock }>>();
      for (const block of serverBlocks(context.registry.externalAccess)) {
        const claimed = first.get(block.key);
        if (!claimed) {
          first.set(block.key, block);
          continue;
        }
        const { access } = block;
        // the same row placed in several environments (`all`) is one row; one environment is domain-duplicate's
        if (duplicated.has(access) || access.position.line === claimed.access.position.line) continue;
        if (environmentKey(access.environment.name) === environmentKey(claimed.access.environment.name)) continue;
        collisions.set(access, [...(collisions.get(access) ?? []), { block, first: claimed }]);
      }
      const redirect = "SSL row's redirect from HTTP";
      for (const [access, found] of collisions) {
        const ports = found.map(
          ({ block, first: claimed }) =>
            `port ${block.port}${block.redirect ? ` (this ${redirect})` : ''} is also served in ${where(claimed.access.environment)} (${line(claimed.access.position)}${claimed.redirect ? `, by that ${redirect}` : ''})`,
        );
        context.report(
          `Domain ${code(access.domain.text)} on ${ports.join(', and on ')}: with both nginx files included on one host, nginx ignores one server block ("conflicting server name")${found.length > 1 ? ' on each port' : ''}; give each environment its own domain, or include one environment's file per host`,
          access.domain.position,
        );
      }
    },
  },
  {
    id: 'ssl-invalid',
    check(context) {
      for (const access of context.registry.externalAccess) {
        if (!access.ssl || access.ssl.value !== undefined) continue;
        context.report(`Unexpected SSL value ${code(access.ssl.text)} for ${externalOwner(access)}, expected ✅/yes or ❌/no`, access.ssl.position);
      }
    },
  },
  {
    id: 'proxy-target-invalid',
    check(context) {
      for (const access of context.registry.externalAccess) {
        const target = access.target;
        if (!target) {
          context.report(`Row for ${externalOwner(access)} has no proxy target, expected a \`Proxy Target\` column with \`127.0.0.1:PORT\``, access.position);
          continue;
        }
        const value = target.value;
        if (value && isHostOrAddress(value.host) && value.port >= 1 && value.port <= 65535) continue;
        context.report(
          `Unexpected proxy target ${code(target.text)} for ${externalOwner(access)}, expected \`host:port\` such as \`127.0.0.1:8000\``,
          target.position,
        );
      }
    },
  },
  {
    id: 'proxy-target-unregistered',
    check(context) {
      const ports = new Map<string, Set<number>>();
      const anyPorts = new Set<number>();
      for (const service of context.registry.services) {
        const port = portNumber(service.port);
        if (port === undefined) continue;
        const key = environmentKey(service.environment.name);
        ports.set(key, (ports.get(key) ?? new Set()).add(port));
        anyPorts.add(port);
      }
      for (const access of context.registry.externalAccess) {
        const target = access.target?.value;
        if (!target) continue;
        if (target.port < 1 || target.port > 65535) continue; // proxy-target-invalid says it
        if (ports.get(environmentKey(access.environment.name))?.has(target.port) || anyPorts.has(target.port)) continue;
        context.report(
          `Proxy target ${code(access.target!.text)} of ${externalOwner(access)} points at port ${target.port}, which no service registers: add the service to a port table or fix the port`,
          access.target!.position,
        );
      }
    },
  },
  {
    id: 'proxy-target-not-http',
    check(context) {
      const serviceFor = targetIndex(context.registry);
      for (const access of context.registry.externalAccess) {
        const service = serviceFor(access);
        if (!service || protocolInfo(service.protocol?.value).http) continue;
        context.report(
          `Proxy target ${code(access.target!.text)} of ${externalOwner(access)} is ${label(service)} with protocol ${code(service.protocol?.text)}, which is not HTTP: nginx proxies it as HTTP; point the row at an HTTP service, or fix the service's protocol if it speaks HTTP`,
          access.target!.position,
        );
      }
    },
  },
  {
    id: 'listen-ssl-mixed',
    check(context) {
      // every socket the nginx files open: each row's own, and port 80 for each SSL row's redirect
      const first = new Map<number, { ssl: boolean; access: ExternalAccess; redirect: boolean }>();
      const sockets = context.registry.externalAccess.flatMap((access) => {
        const own = { port: listenPort(access), ssl: usesSsl(access), access, redirect: false };
        return own.ssl && own.port !== 80 ? [own, { port: 80, ssl: false, access, redirect: true }] : [own];
      });
      // explicit rows claim their port before the implied redirects do
      for (const socket of [...sockets.filter((s) => !s.redirect), ...sockets.filter((s) => s.redirect)]) {
        const seen = first.get(socket.port);
        if (!seen) {
          first.set(socket.port, socket);
          continue;
        }
        if (seen.ssl === socket.ssl || socket.redirect) {
          if (socket.redirect && seen.ssl) {
            context.report(
              `Port 80 of ${externalOwner(seen.access)} is served with SSL, but ${externalOwner(socket.access)} (${line(socket.access.position)}) redirects plain HTTP from port 80: serve ${externalOwner(seen.access)} on 443, or its SSL off`,
              (seen.access.port ?? seen.access.ssl ?? seen.access.domain).position,
            );
            seen.ssl = false; // report once
          }
          continue;
        }
        context.report(
          `Port ${socket.port} of ${externalOwner(socket.access)} is served ${socket.ssl ? 'with' : 'without'} SSL, but ${externalOwner(seen.access)} (${line(seen.access.position)}) serves it ${seen.ssl ? 'with' : 'without'}: nginx cannot mix them on one port; use another port or make the SSL cells agree`,
          (socket.access.port ?? socket.access.ssl ?? socket.access.domain).position,
        );
      }
    },
  },
  {
    id: 'listen-port-unusual',
    check(context) {
      for (const access of context.registry.externalAccess) {
        const port = listenPort(access);
        const ssl = usesSsl(access);
        if ((port === 80 && ssl) || (port === 443 && !ssl)) {
          context.report(
            `Port ${port} of ${externalOwner(access)} is served ${ssl ? 'with' : 'without'} SSL, which browsers do not expect there: use ${ssl ? '443' : '80'}, or ${ssl ? 'turn SSL off' : 'turn SSL on'}`,
            (access.port ?? access.ssl ?? access.domain).position,
          );
        }
      }
    },
  },
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
            `Unit ${code(file.path.text)} has no usable unit name, so ${code(names[0])} keeps ${kept}: rename the unit file to letters, digits and \`:_.-\` (one \`@\` for a template or instance)`,
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
      checkDetail(context, 'bind', (bind) => bind === '*' || isHostOrAddress(bind) || isHostOrAddress(`[${bind}]`), (bind) =>
        `Unexpected bind address ${code(bind.value)}, expected an IP address, \`*\` or a host name such as \`127.0.0.1:8000\``,
      );
    },
  },
  {
    id: 'workers-invalid',
    check(context) {
      // 0 (`0 (auto)`) has always meant "not set": nothing is rendered for it
      checkDetail(context, 'workers', (workers) => Number.isSafeInteger(workers) && workers >= 0 && workers <= maxWorkers, (workers) =>
        `Unexpected worker count ${code(/\b(\d+)\b/.exec(workers.text)?.[1] ?? String(workers.value))}, expected a whole number of processes up to ${maxWorkers} (it becomes WEB_CONCURRENCY in the unit; 0 leaves it unset)`,
      );
    },
  },
  {
    id: 'health-path-invalid',
    check(context) {
      checkDetail(context, 'healthCheck', (health) => /^\/[A-Za-z0-9._~\/-]*$/.test(health), (health) =>
        `Unexpected health-check path ${code(health.value)}, expected a path of letters, digits and \`/._~-\` such as \`/health\``,
      );
    },
  },
  {
    id: 'internal-port-exposed',
    check(context) {
      const internal = new Map((context.registry.internalPorts ?? []).map((port) => [port.value, port]));
      for (const access of context.registry.externalAccess) {
        const port = access.target?.value?.port;
        const note = port === undefined ? undefined : internal.get(port);
        if (!note) continue;
        context.report(
          `Proxy target ${code(access.target!.text)} of ${externalOwner(access)} exposes port ${port}, which the security note (${line(note.position)}) calls internal: remove the row, or update the note`,
          access.target!.position,
        );
      }
    },
  },
  {
    id: 'ssl-scheme-conflict',
    check(context) {
      for (const access of context.registry.externalAccess) {
        if (!access.scheme || access.ssl?.value === undefined) continue;
        if ((access.scheme === 'https') === access.ssl.value) continue;
        context.report(
          `Domain ${code(access.domain.text)} says ${access.scheme} but SSL is ${code(access.ssl.text)}: portbook follows the SSL column; make them agree`,
          access.ssl.position,
        );
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

/** A server block the nginx file of a row's environment gets: the row's own, or the port-80 redirect its SSL implies. */
interface ServerBlock {
  /** `domainAndPort`: what nginx tells server blocks apart by. */
  key: string;
  port: number;
  access: ExternalAccess;
  redirect: boolean;
}

/**
 * Every server block the nginx files get, in document order: each row's own
 * and, right after the row that implies it, the one port-80 redirect of a
 * domain served with SSL off port 80 in an environment that does not serve
 * it on port 80 itself (the redirect goes with its 443 row, else its first;
 * as render/model.ts's dedupeRedirects renders them).
 */
function serverBlocks(accesses: readonly ExternalAccess[]): ServerBlock[] {
  const on80 = new Set<string>();
  const redirecting = new Map<string, ExternalAccess>();
  for (const access of accesses) {
    const host = asciiHostname(access.domain.value);
    if (host === undefined) continue;
    const key = `${environmentKey(access.environment.name)} ${host}`;
    const port = listenPort(access);
    if (port === 80) on80.add(key);
    else if (usesSsl(access)) {
      const current = redirecting.get(key);
      if (!current || (port === 443 && listenPort(current) !== 443)) redirecting.set(key, access);
    }
  }
  const redirects = new Set([...redirecting].filter(([key]) => !on80.has(key)).map(([, access]) => access));
  return accesses.flatMap((access) => {
    const key = domainAndPort(access);
    if (key === undefined) return [];
    const own: ServerBlock = { key, port: listenPort(access), access, redirect: false };
    return redirects.has(access) ? [own, { key: `${asciiHostname(access.domain.value)} 80`, port: 80, access, redirect: true }] : [own];
  });
}

/** What nginx tells server blocks apart by: the (ASCII) host name and the listen port. */
function domainAndPort(access: ExternalAccess): string | undefined {
  const host = asciiHostname(access.domain.value);
  return host === undefined ? undefined : `${host} ${listenPort(access)}`;
}
