/** Rules about a services table's URL cells: what portbook cannot serve, and a local URL whose port is not the row's. */
import { code } from '../../diagnostics/report.js';
import { portNumber } from '../../registry/queries.js';
import type { Service, ServiceUrl } from '../../registry/types.js';
import type { Rule } from '../rule.js';
import { label } from '../rule.js';

export const urlsRules: readonly Rule[] = [
  {
    id: 'url-unsupported',
    check(context) {
      for (const service of context.registry.services) {
        const url = service.url;
        if (url?.value.kind !== 'unsupported') continue;
        context.report(unsupported(url.value, code(url.text), service), url.position);
      }
    },
  },
  {
    id: 'url-port-mismatch',
    check(context) {
      for (const service of context.registry.services) {
        const url = service.url;
        const port = portNumber(service.port);
        // a local URL without a port may well sit behind a proxy: only a port written in both is compared
        if (url?.value.kind !== 'local' || url.value.port === undefined || port === undefined || url.value.port === port) continue;
        context.report(
          `URL ${code(url.text)} of ${label(service)} says port ${url.value.port}, but its Port cell says ${port}: make them agree (the Port cell is what portbook uses)`,
          url.position,
        );
      }
    },
  },
];

/** What is wrong with an unsupported URL, and what to do. */
function unsupported(url: ServiceUrl, shown: string, service: Service): string {
  const owner = label(service);
  const origin = `${url.scheme ?? 'https'}://${url.host}${url.port !== undefined ? `:${url.port}` : ''}`;
  switch (url.problem) {
    case 'path':
      return (
        `Unexpected path ${code(url.path)} in the URL ${shown} of ${owner}, expected a bare origin such as ${code(origin)}: paths are not supported, so no server block is written for it; ` +
        'give the service a subdomain of its own, or serve the path from the service behind its own domain'
      );
    case 'credentials':
      return `Unexpected credentials in the URL ${shown} of ${owner}, expected ${code(origin)}: no server block is written for it; remove them (a registry is no place for a password)`;
    case 'scheme':
      return `Unexpected scheme ${code(url.scheme)} in the URL ${shown} of ${owner}, expected http or https for a public URL: no server block is written for it; use https://, or move the URL to the description`;
    case 'port':
      return `Unexpected port in the URL ${shown} of ${owner}, expected one from 1 to 65535: fix the port, or remove it`;
    default:
      return `Unexpected URL ${shown} for ${owner}, expected a public one such as \`https://api.example.com\` (nginx serves it) or a local one such as \`http://localhost:8000\`: fix the cell, or move the text to the description`;
  }
}
