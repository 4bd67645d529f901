/**
 * What `add` and `fill` share: read the registry as it is (placeholders and
 * all), check an edit before it is written, write it, regenerate, and put
 * the registry back when the outputs cannot follow it.
 */
import type { VFileMessage } from 'vfile-message';
import type { PathOptions } from '../config/load.js';
import { listeningPorts } from '../host/listening.js';
import { registeredPorts } from '../registry/queries.js';
import type { Registry } from '../registry/types.js';
import { replaceFile } from '../write/index.js';
import { diagnose, type loadRegistry } from './build.js';
import { type GenerateResult, generate } from './gen.js';

export interface LoadedRegistry extends ReturnType<typeof loadRegistry> {}

/** The outcome of an edit: refused with the errors it would leave (nothing written), or written and regenerated. */
export type EditOutcome =
  | { written: false; displayPath: string; problems: VFileMessage[] }
  | {
      written: true;
      displayPath: string;
      /**
       * gen's run on the edited registry. When it could not write the outputs
       * (a hand-edited output, a file portbook did not write), the registry was
       * put back as it was: registry and outputs never disagree after a command.
       */
      result: GenerateResult;
      /** Whether the registry was put back because gen wrote nothing. */
      restored: boolean;
    };

/** Ports a new service must not take: every registered one, and those listening here (when the machine lets portbook see them). */
export function unavailablePorts(registry: Registry, notes: string[]): Set<number> {
  return new Set([...registeredPorts(registry), ...listening(notes).keys()]);
}

/** The listening ports, or none with a note saying why (next, fill and add still answer without them). */
export function listening(notes: string[]): Map<number, string[]> {
  try {
    return listeningPorts();
  } catch (error) {
    notes.push(`${(error as Error).message}; ports were not checked against listening sockets`);
    return new Map();
  }
}

/** Check `edited` as the registry; when it has no errors, write it and regenerate (putting the registry back if gen cannot write). */
export function applyEdit(loaded: LoadedRegistry, edited: string, paths: PathOptions): EditOutcome {
  const problems = diagnose(edited, loaded.displayPath, loaded.config).filter((message) => message.fatal);
  if (problems.length > 0) return { written: false, displayPath: loaded.displayPath, problems };
  replaceFile(loaded.config.source, edited);
  let result: GenerateResult;
  try {
    result = generate(paths);
  } catch (error) {
    replaceFile(loaded.config.source, loaded.text);
    throw error;
  }
  const refused = !result.plan || result.plan.conflicts.length > 0;
  if (refused) replaceFile(loaded.config.source, loaded.text);
  return { written: true, displayPath: loaded.displayPath, result, restored: refused };
}
