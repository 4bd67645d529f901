/**
 * Diagnostics ride on vfile messages, the unified ecosystem's carrier.
 * An error is a message with `fatal: true`; a warning has `fatal: false`.
 * This module adds them, sorts them, tells whether any is an error, gives
 * their `--json` form and quotes values in them;
 * format.ts turns them into the lines a person reads.
 */
import type { VFile } from 'vfile';
import type { VFileMessage } from 'vfile-message';
import type { Point } from '../registry/types.js';
import { visible } from '../support/visible.js';
import { type RuleId, ruleCatalogue, type Severity } from './rules.js';

export type { Severity } from './rules.js';

/** Add a diagnostic of rule `ruleId` to `file` at `place`; its severity is the catalogue's (diagnostics/rules.ts). */
export function report(file: VFile, ruleId: RuleId, reason: string, place: Point | undefined): VFileMessage {
  const message = file.message(reason, { place, ruleId, source: 'portbook' });
  message.fatal = ruleCatalogue[ruleId].severity === 'error';
  return message;
}

/** A diagnostic as `--json` prints it. */
export interface DiagnosticJson {
  file: string;
  line: number | null;
  column: number | null;
  severity: Severity;
  message: string;
  ruleId: string | null;
}

export function severityOf(message: VFileMessage): Severity {
  return message.fatal ? 'error' : 'warning';
}

/** Messages in source order (line, then column), errors before warnings at one place. */
export function sortedMessages(file: VFile): VFileMessage[] {
  return [...file.messages].sort(
    (a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0) || Number(Boolean(b.fatal)) - Number(Boolean(a.fatal)),
  );
}

export function hasErrors(file: VFile): boolean {
  return file.messages.some((message) => message.fatal === true);
}

export function toJson(message: VFileMessage, displayPath: string): DiagnosticJson {
  return {
    file: visible(displayPath),
    line: message.line ?? null,
    column: message.column ?? null,
    severity: severityOf(message),
    message: visible(message.reason),
    ruleId: message.ruleId ?? null,
  };
}

/** The most characters of one value a message quotes: a cell of 100 KB must not become a line of 100 KB on the terminal. */
export const maxQuotedLength = 200;

/** A value quoted as inline code in a message, with a fence longer than any backtick run in it; past maxQuotedLength characters, cut and ended with `…`. */
export function code(value: unknown): string {
  const whole = String(value);
  const text =
    whole.length > maxQuotedLength && Array.from(whole).length > maxQuotedLength ? `${Array.from(whole).slice(0, maxQuotedLength).join('')}…` : whole;
  let longest = 0;
  for (const match of text.matchAll(/`+/g)) longest = Math.max(longest, match[0].length);
  const fence = '`'.repeat(longest + 1);
  const pad = longest > 0 || text.startsWith(' ') || text.endsWith(' ') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}
