/** `drift`: how the host differs from what the registry says, for one environment (deploy/drift.ts); reads only. */
import { type DriftReport, driftReport } from '../deploy/drift.js';
import { environmentKey } from '../registry/names.js';
import { portNumber } from '../registry/queries.js';
import type { Built } from './build.js';
import { type DeployOptions, environmentFiles } from './deploy.js';

export interface DriftResult extends Built {
  /** `undefined` when the registry had errors. */
  report: DriftReport | undefined;
}

/** Compare the host under `root` with the environment's files, nginx's routes and the units' ports. */
export function drift(options: Omit<DeployOptions, 'plan' | 'force'> = {}): DriftResult {
  const { built, root, environment, files } = environmentFiles(options);
  if (!environment || !files) return { ...built, report: undefined };
  const registered = new Map<number, string[]>();
  for (const service of built.registry.services) {
    const port = portNumber(service.port);
    if (port === undefined) continue;
    registered.set(port, [...(registered.get(port) ?? []), `${service.name.value} (${environmentKey(service.environment.name)})`]);
  }
  const report = driftReport({
    root,
    options: built.config,
    name: built.config.deploy.name,
    environment: environment.key,
    files,
    services: environment.services,
    registered,
  });
  return { ...built, report };
}
