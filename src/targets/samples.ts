/**
 * The code samples gen writes into the registry itself, between
 * `<!-- portbook:env -->`, `<!-- portbook:python -->` or `<!-- portbook:ts -->`
 * markers: one environment's variables (its ports, and the host and health
 * path its details give), as `.env`, settings.py and settings.ts hold them.
 * Every value goes through the quoting helper of the output it mirrors, so a
 * cell can only ever be the value of its own line.
 */
import { envValue } from './env.js';
import { pyString } from './settings-py.js';
import { jsString } from './settings-ts.js';
import type { EnvironmentView } from './view.js';

export type SampleKind = 'env' | 'python' | 'ts';

/** One line of a sample: a variable and its value, a port (a number) or text. */
const lineOf: Record<SampleKind, (name: string, value: number | string) => string> = {
  env: (name, value) => `${name}=${typeof value === 'number' ? value : envValue(value)}`,
  python: (name, value) => (typeof value === 'number' ? `${name}: int = ${value}` : `${name}: str = ${pyString(value)}`),
  ts: (name, value) => (typeof value === 'number' ? `export const ${name}: number = ${value};` : `export const ${name}: string = ${jsString(value)};`),
};

/** The sample's text (LF line endings, a final newline): a comment naming the environment, then one line per variable. */
export function renderSample(kind: SampleKind, environment: EnvironmentView): string {
  const comment = kind === 'ts' ? '//' : '#';
  const lines = [`${comment} Ports of the ${environment.key} environment, written by portbook gen from the tables`];
  for (const service of environment.services) {
    lines.push(lineOf[kind](service.variable, service.port));
    if (service.host !== undefined) lines.push(lineOf[kind](service.hostVariable, service.host));
    if (service.healthPath !== undefined) lines.push(lineOf[kind](service.healthVariable, service.healthPath));
  }
  return `${lines.join('\n')}\n`;
}
