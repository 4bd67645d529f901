/** Rules about what a service speaks when its row does not say: read from its name or default port, or assumed to be HTTP. */
import { code } from '../../diagnostics/report.js';
import { words } from '../../registry/names.js';
import { meansDefaultProtocol, type ProtocolInfo } from '../../registry/protocols.js';
import { portNumber, serviceProtocol } from '../../registry/queries.js';
import type { Point, Registry, Service } from '../../registry/types.js';
import type { Rule, RuleContext } from '../rule.js';
import { label } from '../rule.js';

/** How many rows a table's message names before it counts the rest. */
const listed = 5;

export const protocolsRules: readonly Rule[] = [
  {
    id: 'protocol-assumed',
    check(context) {
      // rows read as HTTP for want of anything else, by table: said once per table
      const unknownByTable = new Map<number, Service[]>();
      const seen = new Set<string>();
      for (const service of context.registry.services) {
        const { assumed, info } = serviceProtocol(service);
        if (assumed === undefined) continue;
        const at = `${service.position.line}:${service.position.column}`;
        if (assumed === 'http') {
          // a row placed in several environments is one row; a row without a usable name is name-missing's
          if (seen.has(at) || words(service.name.value).length === 0) continue;
          seen.add(at);
          const end = service.tableEnd ?? service.position.line;
          unknownByTable.set(end, [...(unknownByTable.get(end) ?? []), service]);
          continue;
        }
        if (meansDefaultProtocol(assumed.protocol)) continue; // an API, a web front end: read as HTTP, as a row without a cell always was
        const from = assumed.by === 'port' ? `its port ${portNumber(service.port)}` : 'its name';
        const remedy = hasProtocolColumn(context.registry, service)
          ? `write ${code(assumed.protocol)} in its Protocol cell to say so, or what it speaks instead`
          : 'add a `Protocol` column to say so, or to say what it speaks instead';
        context.report(
          `No Protocol cell for ${label(service)}: read as ${assumed.what} from ${from}, so ${consequence(info)}; ${remedy}`,
          assumed.by === 'port' ? service.port.position : service.name.position,
        );
      }
      for (const rows of unknownByTable.values()) reportAssumedHttp(context, rows);
    },
  },
];

/** What nginx does with a service read this way. */
function consequence(info: ProtocolInfo): string {
  if (!info.http) return 'nginx gets no upstream for it';
  if (info.websocket) return 'nginx proxies it with WebSocket upgrades';
  return 'nginx proxies to it over `https://`';
}

/** One warning at a table whose rows (`rows`, in document order) are read as HTTP because nothing says otherwise. */
function reportAssumedHttp(context: RuleContext, rows: readonly Service[]): void {
  const first = rows[0]!;
  const table = context.registry.serviceTables?.find((candidate) => candidate.end === first.tableEnd);
  const column = table === undefined || table.columns.includes('protocol');
  const one = rows.length === 1;
  const names = rows.slice(0, listed).map((service) => `${label(service)} (line ${service.position.line})`);
  const more = rows.length > listed ? [`${rows.length - listed} more`] : [];
  const list = [...names, ...more];
  const said = list.length === 1 ? list[0]! : `${list.slice(0, -1).join(', ')} and ${list.at(-1)}`;
  const remedy = column
    ? `give ${one ? 'it' : 'each'} a Protocol cell (\`HTTP\`, \`TCP\`, \`PostgreSQL\`…)`
    : `add a \`Protocol\` column to say what ${one ? 'it speaks' : 'each speaks'}`;
  const place: Point = table?.position ?? first.position;
  context.report(
    `No Protocol ${column ? 'cell' : 'column'}: ${said} ${one ? 'is' : 'are'} read as HTTP, so nginx gets an upstream for ${one ? 'it' : 'each'}; ${remedy}`,
    place,
  );
}

/** Whether the service's table has a Protocol column (its cell is empty, then). */
function hasProtocolColumn(registry: Registry, service: Service): boolean {
  return registry.serviceTables?.find((table) => table.end === service.tableEnd)?.columns.includes('protocol') ?? false;
}
