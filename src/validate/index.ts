/**
 * Stage 3, validate: registry → diagnostics on the source's vfile.
 * Runs every rule in the table; never throws for bad input.
 */
import type { VFile } from 'vfile';
import { report } from '../diagnostics/report.js';
import { linuxEphemeralRange } from '../registry/queries.js';
import type { Registry } from '../registry/types.js';
import type { ProjectFile, RuleContext } from './rule.js';
import { rules } from './rules/index.js';

export type { ProjectFile, Rule, RuleContext } from './rule.js';
export { rules } from './rules/index.js';

export interface ValidateOptions {
  /** Configured unit names, service name → unit (from the config file). */
  units?: Readonly<Record<string, string>>;
  /** Variable names the config allows in an `Env` cell besides `…_PORT` (`variables.allow`). */
  variables?: readonly string[];
  /** The kernel's ephemeral range (`sysctl.ephemeralRange`; default Linux's) and whether the sysctl target is enabled, for port-ephemeral. */
  ephemeral?: RuleContext['ephemeral'];
  /** The project's compose files, for compose-publishes-all-interfaces (commands/build.ts reads them). */
  composeFiles?: readonly ProjectFile[];
}

/** Add every rule's diagnostics to `file`. */
export function validate(registry: Registry, file: VFile, options: ValidateOptions = {}): void {
  // a row placed in several environments is one copy per environment: the same finding at the same cell is said once
  const said = new Set<string>();
  for (const rule of rules) {
    rule.check({
      registry,
      units: options.units ?? {},
      variables: options.variables ?? [],
      ephemeral: options.ephemeral ?? { range: linuxEphemeralRange, reserved: false },
      composeFiles: options.composeFiles ?? [],
      report: (message, place) => {
        const key = `${rule.id} ${place.line}:${place.column} ${message}`;
        if (said.has(key)) return;
        said.add(key);
        report(file, rule.id, message, place);
      },
    });
  }
}
