/** `settings.py`: constants of the primary environment and a `PORTS` dict of every environment's. */
import { jsString } from './settings-ts.js';
import type { Target } from './target.js';

/** A Python string literal (JSON's escapes are all valid in Python). */
export function pyString(value: unknown): string {
  return jsString(value);
}

export const settingsPy: Target<'settings.py'> = {
  id: 'settings.py',
  summary: 'the same as `int` constants and a `PORTS` dict',
  paths: '`settings.py`',
  byDefault: true,
  template: 'settings.py.hbs',
  comment: '#',
  helpers: { pyString },
  outputs: ({ model }) => [{ path: 'settings.py', context: model }],
};
