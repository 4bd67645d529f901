/**
 * Stage 2, extract: mdast → typed registry.
 *
 * Finds service tables, external-access tables and reserved-range lists
 * wherever they stand, decides each table's environment from the headings
 * above it, and keeps the source position of every value. Values are read,
 * not judged: a placeholder port is recorded as such and validate reports it.
 *
 * It reports what stops it reading the document as meant, on
 * `source.file`: a second column of one kind (`table-duplicate-column`), a
 * cell past the header's last column (`table-ragged`), a table missing the
 * column that would make it a port table (`table-missing-column`), an
 * Environment cell it does not know (`environment-unknown`), and a number
 * after a reserved range it cannot place (`range-ambiguous`).
 *
 * columns.ts says what a header names, cells.ts what a cell holds; tables.ts
 * reads port tables, ranges.ts reserved ranges, details.ts service details,
 * configuration files and internal ports (items.ts: their `Key: value` items),
 * diagram-block.ts the markers of the blocks portbook writes into the registry
 * (its diagram, code samples), mentions.ts the ports mentioned outside the tables.
 */
import type { Heading, Nodes } from 'mdast';
import type { Source } from '../read/index.js';
import { environmentNamed } from '../registry/environments.js';
import type { Environment, EnvironmentName, ExternalAccess, Field, Point, Registry, Service } from '../registry/types.js';
import { cellText } from './cells.js';
import { attachConfigFile, attachDetails, detailKey, readInternalPorts } from './details.js';
import { readBlocks } from './diagram-block.js';
import { type KeyValue, keyValueItems } from './items.js';
import { readMentions } from './mentions.js';
import { readRanges } from './ranges.js';
import { readTable } from './tables.js';
import { walk } from './walk.js';

export { parseDomain, parsePort, parseProxyTarget, parseServiceUrl, parseSsl } from './cells.js';
export { columnKind } from './columns.js';

/** The extract stage. Structural problems (a table row with no port cell…) are reported on `source.file`. */
export function extract(source: Source): Registry {
  const registry: Registry = { services: [], externalAccess: [], reservedRanges: [] };
  const headings: Array<{ depth: number; text: string; node: Heading }> = [];
  const point = (node: Nodes | undefined): Point => {
    const { line, column } = node?.position?.start ?? { line: 1, column: 1 };
    return source.toOriginal({ line, column });
  };

  // the nearest heading above a table names its environment, or it is the default one
  const environmentOf = (): Environment => {
    const heading = headings.at(-1);
    const name = heading ? environmentNamed(heading.text) : undefined;
    if (!heading || !name) return { name: null };
    return { name, heading: { value: heading.text, text: heading.text, position: point(heading.node) } };
  };

  // rows whose Environment cell says `all`: placed once every environment is known
  const everywhere: Array<Service | ExternalAccess> = [];
  // details and configuration files name services: matched once every table is read
  const pendingDetails: Array<{ heading: Field<string>; items: KeyValue[] }> = [];
  const pendingConfigFiles: KeyValue[] = [];
  // each node in document order, without recursion (walk.ts): false leaves a node's children unread
  const visit = (node: Nodes): boolean => {
    if (node.type === 'root') return true;
    if (node.type === 'heading') {
      while (headings.length > 0 && headings.at(-1)!.depth >= node.depth) headings.pop();
      headings.push({ depth: node.depth, text: cellText(node).trim(), node });
      return false;
    }
    if (node.type === 'table') {
      readTable(node, environmentOf(), registry, everywhere, source, point);
      return false;
    }
    if (node.type === 'list' && headings.some((heading) => /\breserved\b/i.test(heading.text))) {
      readRanges(node, registry, source, point);
      return false;
    }
    if (node.type === 'list' && headings.length > 0) {
      const heading = headings.at(-1)!;
      const field = { value: heading.text, text: heading.text, position: point(heading.node.children[0] ?? heading.node) };
      const items = keyValueItems(node, point);
      if (/\bconfig(uration)? files?\b/i.test(heading.text)) for (const item of items) pendingConfigFiles.push(item);
      else if (/\bsecurity\b/i.test(heading.text)) readInternalPorts(node, registry, point);
      else if (items.some((item) => detailKey(item.key) !== undefined)) pendingDetails.push({ heading: field, items });
      // and on into the items: a table may stand inside a list
    }
    return node.type !== 'paragraph';
  };
  walk(source.tree, visit);
  placeEverywhere(registry, everywhere);
  registry.detailSections = pendingDetails.map((section) => attachDetails(registry, section.heading, section.items));
  registry.configFiles = pendingConfigFiles.map((item) => attachConfigFile(registry, item));
  readBlocks(source.tree, point, registry);
  registry.mentions = readMentions(source, registry);
  return registry;
}

/** Put each `all` row in the default environment and every environment the document names. */
function placeEverywhere(registry: Registry, rows: Array<Service | ExternalAccess>): void {
  if (rows.length === 0) return;
  // a Set: with thousands of `all` rows, rows.includes per item was quadratic
  const shared = new Set<Service | ExternalAccess>(rows);
  const named = new Set<EnvironmentName>();
  for (const item of [...registry.services, ...registry.externalAccess]) if (item.environment.name && !shared.has(item)) named.add(item.environment.name);
  const environments: Environment[] = [{ name: null }, ...[...named].map((name) => ({ name }))];
  const expand = <T extends Service | ExternalAccess>(items: T[]): T[] =>
    items.flatMap((item) => (shared.has(item) ? environments.map((environment) => ({ ...item, environment })) : [item]));
  registry.services = expand(registry.services);
  registry.externalAccess = expand(registry.externalAccess);
}
