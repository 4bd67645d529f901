/** Rules about external access: domains, SSL, proxy targets and the server blocks nginx gets. */
import { code } from '../../diagnostics/report.js';
import { parseProxyTarget } from '../../extract/cells.js';
import { addressFault, asciiHostname, isHostOrAddress } from '../../registry/hosts.js';
import { environmentKey } from '../../registry/names.js';
import { listenPort, portNumber, redirectingRows, servedAccess, serviceProtocol, targetIndex, usesSsl } from '../../registry/queries.js';
import type { ExternalAccess } from '../../registry/types.js';
import type { Rule } from '../rule.js';
import { addressAdvice, duplicates, externalOwner, label, line, where } from '../rule.js';

export const domainsRules: readonly Rule[] = [
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
        const expected = 'expected a host name of letters, digits, hyphens and dots such as `api.example.com`';
        context.report(
          access.fromUrl
            ? `Unexpected host ${code(value)} in the URL ${code(access.domain.text)}, ${expected}: fix the URL, or move it to the description`
            : access.domain.text === ''
              ? 'Row has an empty domain, expected a host name such as `api.example.com`'
              : `Unexpected domain ${code(access.domain.text)}, ${expected}${hint}`,
          access.domain.position,
        );
      }
    },
  },
  {
    id: 'domain-duplicate',
    check(context) {
      duplicates(context.registry.externalAccess, domainAndPort, (access, first) =>
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
      for (const block of serverBlocks(servedAccess(context.registry))) {
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
          `Domain ${code(access.domain.text)} on ${ports.join(', and on ')}: with both nginx files included on one host, nginx ignores one server block ("conflicting server name")${found.length > 1 ? ' on each port' : ''}; ` +
            `give each environment its own domain, or include one environment's file per host`,
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
        // a host nginx would not take says why; a cell that only reads as `host:port` in full-width characters gets its ASCII form
        const compatible = value ? undefined : parseProxyTarget(target.text.normalize('NFKC'));
        const advice = value
          ? addressAdvice(addressFault(value.host), (host) => `${host}:${value.port}`)
          : compatible && isHostOrAddress(compatible.host)
            ? addressAdvice({ kind: 'compatibility', ascii: compatible.host }, (host) => `${host}:${compatible.port}`)
            : '';
        context.report(
          `Unexpected proxy target ${code(target.text)} for ${externalOwner(access)}, expected \`host:port\` such as \`127.0.0.1:8000\`${advice}`,
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
        if (!service) continue;
        const { info, assumed } = serviceProtocol(service);
        if (info.http) continue;
        const known = info.unknown.length === 0;
        const speaks =
          assumed === undefined || assumed === 'http'
            ? `with protocol ${code(service.protocol?.text)}`
            : `read as ${assumed.what} from ${assumed.by === 'port' ? `its port ${portNumber(service.port)}` : 'its name'} (no Protocol cell)`;
        const which = `which ${known ? 'is not HTTP: no server block is written for it' : 'portbook does not know: nginx proxies it as HTTP'}`;
        const fix = `${assumed === undefined ? "fix the service's protocol" : 'give the service a Protocol cell'} if it speaks HTTP`;
        context.report(
          access.fromUrl
            ? `URL ${externalOwner(access)} of ${label(service)} would proxy HTTP to a service ${speaks}, ${which}; remove the URL, or ${fix}`
            : `Proxy target ${code(access.target!.text)} of ${externalOwner(access)} is ${label(service)}, ${speaks}, ${which}; point the row at an HTTP service, or ${fix}`,
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
      const sockets = servedAccess(context.registry).flatMap((access) => {
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
              `Port 80 of ${externalOwner(seen.access)} is served with SSL, but ${externalOwner(socket.access)} (${line(socket.access.position)}) redirects plain HTTP from port 80: ` +
                `serve ${externalOwner(seen.access)} on 443, or its SSL off`,
              (seen.access.port ?? seen.access.ssl ?? seen.access.domain).position,
            );
            seen.ssl = false; // report once
          }
          continue;
        }
        context.report(
          `Port ${socket.port} of ${externalOwner(socket.access)} is served ${socket.ssl ? 'with' : 'without'} SSL, but ${externalOwner(seen.access)} (${line(seen.access.position)}) serves it ${seen.ssl ? 'with' : 'without'}: ` +
            `nginx cannot mix them on one port; use another port or make the SSL cells agree`,
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
 * and, right after the row that implies it, the port-80 redirect the nginx
 * target renders for it (registry/queries.ts redirectingRows).
 */
function serverBlocks(accesses: readonly ExternalAccess[]): ServerBlock[] {
  const redirects = redirectingRows(accesses);
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
