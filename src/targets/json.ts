/**
 * `registry.json`: the whole registry as data, for tools that should not
 * parse Markdown: services, environments, domains and reserved ranges, each
 * value with the place in the registry it came from. Its shape is
 * schema/registry.schema.json (JSON Schema 2020-12). The do-not-edit header
 * and portbook's stamp ride in `$comment`.
 */

import { asciiHostname } from '../registry/hosts.js';
import { environmentKey, healthVariable, hostVariable, portVariable } from '../registry/names.js';
import { listenPort, portNumber, portsOf, targetIndex, usesSsl } from '../registry/queries.js';
import type { Field, Point } from '../registry/types.js';
import { header } from './comments.js';
import { upstreamName } from './nginx.js';
import { unitName } from './systemd.js';
import type { Target } from './target.js';

/** Where a value stands in the registry. */
const at = (point: Point): { line: number; column: number } => ({ line: point.line, column: point.column });

/** The places of the fields a record has, by field name. */
function positions(fields: Record<string, Field<unknown> | undefined>): Record<string, { line: number; column: number }> {
  return Object.fromEntries(Object.entries(fields).flatMap(([name, field]) => (field ? [[name, at(field.position)]] : [])));
}

export const json: Target<'json'> = {
  id: 'json',
  summary:
    'the whole registry as data (services, environments, domains, ranges), with the source position of every value, for tools that should not parse Markdown; its JSON Schema is `schema/registry.schema.json`',
  paths: '`registry.json`',
  byDefault: false,
  comment: 'none',
  outputs: ({ model, registry, options }) => {
    const serviceFor = targetIndex(registry);
    const services = registry.services.map((service) => {
      const details = service.details;
      return {
        environment: environmentKey(service.environment.name),
        name: service.name.value,
        port: portNumber(service.port)!,
        ...(service.protocol ? { protocol: service.protocol.value } : {}),
        ...(service.status ? { status: service.status.value } : {}),
        ...(service.description ? { description: service.description.value } : {}),
        variable: portVariable(service),
        ...(details?.bind ? { host: details.bind.value === '*' ? '0.0.0.0' : details.bind.value, hostVariable: hostVariable(service) } : {}),
        ...(details?.healthCheck ? { healthPath: details.healthCheck.value, healthVariable: healthVariable(service) } : {}),
        ...(details?.workers ? { workers: details.workers.value } : {}),
        unit: unitName(service, options.systemd.units),
        upstream: upstreamName(service),
        position: at(service.position),
        positions: positions({
          name: service.name,
          port: service.port,
          protocol: service.protocol,
          status: service.status,
          description: service.description,
          variable: service.variable,
          host: details?.bind,
          healthPath: details?.healthCheck,
          workers: details?.workers,
          unit: service.unitFile,
        }),
      };
    });
    const domains = registry.externalAccess.map((access) => {
      const target = access.target!.value!;
      return {
        environment: environmentKey(access.environment.name),
        domain: asciiHostname(access.domain.value)!,
        port: listenPort(access),
        ssl: usesSsl(access),
        target: { host: target.host, port: target.port },
        service: serviceFor(access)?.name.value ?? null,
        ...(access.purpose ? { purpose: access.purpose.value } : {}),
        position: at(access.position),
        positions: positions({ domain: access.domain, port: access.port, ssl: access.ssl, target: access.target, purpose: access.purpose }),
      };
    });
    // a registry that reaches render has only valid ranges (range-invalid is an error)
    const ranges = registry.reservedRanges.map((range) => ({
      name: range.name.value,
      ...portsOf(range)!,
      ...(range.description ? { description: range.description } : {}),
      position: at(range.position),
      positions: positions({ name: range.name, range: range.range }),
    }));
    const environments = model.environments.map((environment) => environment.key);
    const document = {
      $comment: headerText(model.source),
      source: model.source,
      environments,
      services,
      domains,
      ranges,
    };
    return [{ path: 'registry.json', content: `${JSON.stringify(document, null, 2)}\n` }];
  },
};

/** The header's lines as one line of text: JSON has no comments, so it rides in `$comment`. */
function headerText(source: string): string {
  return header('#', source)
    .split('\n')
    .map((line) => line.replace(/^# /, ''))
    .filter(Boolean)
    .join(' ');
}
