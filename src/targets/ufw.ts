/**
 * ufw: per environment, a shell script of one `ufw allow PORT/PROTO comment
 * '…'` line per port of the public port set (registry/queries.ts
 * publicPorts), the same set the nftables target accepts. ufw denies other
 * incoming connections by default, so nothing is denied here. The comment is
 * the only cell text in the file: ufwComment keeps it to what ufw accepts
 * and quotes it with the one shell quoting rule (support/shell.ts).
 */

import { withoutAccents } from '../registry/names.js';
import { shellQuote } from '../support/shell.js';
import type { Target } from './target.js';

/** What every comment starts with, so `ufw status` shows which rules portbook wrote. */
export const ufwCommentPrefix = 'portbook: ';

/** The longest comment written (the prefix included): as nft's, so `ufw status` stays one line per rule. */
export const ufwCommentLimit = 128;

/**
 * The comment argument of a rule, single-quoted for sh: `'portbook: <label>'`.
 * ufw refuses a `'` in a comment, so the text is kept to printable ASCII
 * without `'` and `\` after folding accents (a space of any kind becomes a
 * space, anything else `_`), and cut to ufwCommentLimit with `...`.
 */
export function ufwComment(label: unknown): string {
  const folded = withoutAccents(String(label))
    .replace(/[\s\u0085\u2028\u2029]+/gu, ' ')
    .replace(/[^\x20-\x26\x28-\x5b\x5d-\x7e]+/g, '_')
    .replace(/ {2,}/g, ' ')
    .trim();
  const room = ufwCommentLimit - ufwCommentPrefix.length;
  const text = folded.length > room ? `${folded.slice(0, room - 3).trimEnd()}...` : folded;
  return shellQuote(`${ufwCommentPrefix}${text}`);
}

export const ufw: Target<'ufw'> = {
  id: 'ufw',
  summary:
    "a script of `ufw allow <port>/tcp comment 'portbook: <service>'` lines for the public port set, the same ports the nftables target accepts; run it as root with `sh`",
  paths: '`ufw/portbook.sh`, `ufw/portbook.<environment>.sh`',
  byDefault: false,
  template: 'ufw.sh.hbs',
  comment: '#',
  helpers: { ufwComment },
  outputs: ({ model }) =>
    model.environments.map((environment) => ({
      path: `ufw/portbook${environment.isDefault ? '' : `.${environment.key}`}.sh`,
      context: { ...model, environment },
    })),
};
