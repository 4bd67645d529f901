/** `settings.py`: the same constants as settings.ts, read from the process environment at import, and a `PORTS` dict of every environment's ports. */
import { jsString, settingsContext } from './settings-ts.js';
import type { Target } from './target.js';

/** A Python string literal (JSON's escapes are all valid in Python). */
export function pyString(value: unknown): string {
  return jsString(value);
}

export const settingsPy: Target<'settings.py'> = {
  id: 'settings.py',
  summary:
    'the same as `int` and `str` constants and a `PORTS` dict; a constant that neither its variable nor the chosen environment gives raises `ImportError` when imported',
  paths: '`settings.py` (`settings.paths.py`)',
  byDefault: true,
  template: 'settings.py.hbs',
  comment: '#',
  helpers: { pyString },
  outputs: ({ model, options }) => [{ path: options.settings.paths?.py ?? 'settings.py', context: settingsContext(model, options) }],
};
