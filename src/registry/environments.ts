/** The environment words headings and cells use, and what they name. */
import { letterDigitRuns } from './names.js';
import type { EnvironmentName } from './types.js';

const environmentWords: ReadonlyArray<[EnvironmentName, RegExp]> = [
  ['development', /^(development|develop|dev|local)$/],
  ['staging', /^(staging|stage|preprod|preproduction)$/],
  ['production', /^(production|prod)$/],
  ['test', /^(test|testing|tests)$/],
];

/**
 * Every environment a heading or cell names, in order and once each:
 * `Dev and Prod` → development, production. `Non-production` names none;
 * `Pre-production` is staging.
 */
export function environmentsNamed(text: string): EnvironmentName[] {
  const found: EnvironmentName[] = [];
  const words = letterDigitRuns(text.toLowerCase());
  words.forEach((word, index) => {
    const previous = words[index - 1];
    if (previous === 'non') return;
    const spelled = previous === 'pre' && /^prod/.test(word) ? 'preprod' : word;
    for (const [name, pattern] of environmentWords) if (pattern.test(spelled) && !found.includes(name)) found.push(name);
  });
  return found;
}

/** The environment a heading names, if any: the first one. */
export function environmentNamed(text: string): EnvironmentName | undefined {
  return environmentsNamed(text)[0];
}

/** The one environment a setting names (`prod`, `Dev`, `default`), or `undefined` when it names none or several. */
export function environmentSetting(value: string): EnvironmentName | 'default' | undefined {
  if (value.toLowerCase() === 'default') return 'default';
  const [name, ...others] = environmentsNamed(value);
  return others.length === 0 ? name : undefined;
}

/** Whether an Environment cell places its row in every environment: `all`, `any`, `shared`, `*`… */
export function placedEverywhere(cell: string): boolean {
  return /^(all|any|every|shared|common|\*)$/i.test(cell.trim());
}
