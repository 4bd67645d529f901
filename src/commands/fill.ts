/** `fill`: replace every placeholder port (`xxxx`, `TBD`, empty) with distinct free ports, then regenerate. */
import type { PathOptions } from '../config/load.js';
import { chooseRanges, freePorts } from '../edit/allocate.js';
import { type Filled, fillPlaceholders, placeholders } from '../edit/fill.js';
import { loadRegistry } from './build.js';
import { applyEdit, type EditOutcome, unavailablePorts } from './registry-edit.js';

export interface FillOptions extends PathOptions {
  /** The reserved range to pick from (see `next`). */
  range?: string;
}

export type FillOutcome = ({ written: false; displayPath: string; problems: [] } | EditOutcome) & {
  /** The cells filled, in document order (none: the registry has no placeholders, and nothing was written). */
  filled: Filled[];
  notes: string[];
};

export function fill(options: FillOptions = {}): FillOutcome {
  const loaded = loadRegistry(options);
  const wanted = placeholders(loaded.registry).length;
  if (wanted === 0) return { written: false, displayPath: loaded.displayPath, problems: [], filled: [], notes: [] };
  const notes: string[] = [];
  const ports = freePorts(chooseRanges(loaded.registry, options.range), unavailablePorts(loaded.registry, notes), wanted);
  const { text, filled } = fillPlaceholders(loaded.text, loaded.registry, ports);
  return { ...applyEdit(loaded, text, options), filled, notes };
}
