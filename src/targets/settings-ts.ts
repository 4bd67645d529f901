/** `settings.ts`: typed constants of the primary environment and a `PORTS` object of every environment's. */
import { hashComment } from './comments.js';
import type { Target } from './target.js';

/** A JavaScript/TypeScript string literal. */
export function jsString(value: unknown): string {
  return JSON.stringify(String(value))
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Comment text for `/* … *\/` and `/** … *\/` blocks: one line, no terminator. */
export function blockComment(text: unknown): string {
  return hashComment(text).replace(/\*\//g, '*\\/');
}

export const settingsTs: Target<'settings.ts'> = {
  id: 'settings.ts',
  summary:
    "typed constants of one environment (`settings.environment`; default: the default environment, else the first named) and `PORTS`, every environment's ports; compiles under `tsc --strict`",
  paths: '`settings.ts`',
  byDefault: true,
  template: 'settings.ts.hbs',
  comment: '//',
  helpers: { jsString, blockComment },
  outputs: ({ model }) => [{ path: 'settings.ts', context: model }],
};
