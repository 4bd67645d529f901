/** Rules about containers: the compose details of a service, and the ports the project's own compose files publish on every interface. */
import { code } from '../../diagnostics/report.js';
import { portNumber, publicPorts } from '../../registry/queries.js';
import type { Point, Registry } from '../../registry/types.js';
import { composePublications, isComposeServiceName, onAllInterfaces } from '../../targets/compose.js';
import type { Rule } from '../rule.js';
import { label } from '../rule.js';

export const composeRules: readonly Rule[] = [
  {
    id: 'compose-service-invalid',
    check(context) {
      for (const section of context.registry.detailSections ?? []) {
        const { composeService, containerPort } = section.details;
        if (composeService && !isComposeServiceName(composeService.value)) {
          const shown = composeService.value === '' ? 'empty compose service' : `compose service ${code(composeService.value)}`;
          context.report(
            `Unexpected ${shown}, expected the name of a service of the compose file (letters, digits and \`._-\`) such as \`api\`: write the name in backticks, and prose around it stays a comment`,
            composeService.position,
          );
        }
        if (containerPort && containerPort.value === undefined) {
          context.report(
            `Unexpected container port ${code(containerPort.text)}, expected the port the process listens on inside its container, a whole number from 1 to 65535: fix it, or remove the item when it is the registered port`,
            containerPort.position,
          );
        }
      }
    },
  },
  {
    id: 'compose-publishes-all-interfaces',
    check(context) {
      if (context.composeFiles.length === 0) return;
      const owners = portOwners(context.registry);
      // public on purpose: the front proxy's own ports (a containerised nginx or Caddy), and the services the registry marks public
      const proxied = new Set(publicPorts(context.registry).map((entry) => entry.port));
      for (const file of context.composeFiles) {
        for (const publication of composePublications(file.text)) {
          if (!onAllInterfaces(publication)) continue;
          for (const [port, owner] of owners) {
            if (port < publication.from || port > publication.to || proxied.has(port)) continue;
            const where = `${file.name} (line ${publication.line}${publication.service !== undefined ? `, service ${code(publication.service)}` : ''})`;
            context.report(
              `Unexpected ${code(publication.text)} in ${where}, expected it on loopback, such as ${code(publication.loopback)}: ` +
                `Docker publishes port ${port} (${owner.name}) on every interface, past ufw and nftables; write that there, or remove it and use the compose target's override`,
              owner.place,
            );
          }
        }
      }
    },
  },
];

/** Each registered port with the registry cell that registers it first: a service's Port cell, else a proxy target. */
function portOwners(registry: Registry): Map<number, { name: string; place: Point }> {
  const owners = new Map<number, { name: string; place: Point }>();
  for (const service of registry.services) {
    const port = portNumber(service.port);
    if (port !== undefined && !owners.has(port)) owners.set(port, { name: label(service), place: service.port.position });
  }
  for (const access of registry.externalAccess) {
    const port = access.target?.value?.port;
    if (port !== undefined && !owners.has(port)) owners.set(port, { name: `the proxy target of ${code(access.domain.text)}`, place: access.target!.position });
  }
  return owners;
}
