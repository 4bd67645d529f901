/**
 * Diagnostics ride on vfile messages, the unified ecosystem's carrier.
 * An error is a message with `fatal: true`; a warning has `fatal: false`.
 */
import { styleText } from 'node:util';
import type { VFile } from 'vfile';
import type { VFileMessage } from 'vfile-message';
import type { Point } from './registry.js';

export type Severity = 'error' | 'warning';

/** Add a diagnostic to `file` at `place`. */
export function report(
  file: VFile,
  severity: Severity,
  reason: string,
  place: Point | undefined,
  ruleId: string,
): VFileMessage {
  const message = file.message(reason, { place, ruleId, source: 'portbook' });
  message.fatal = severity === 'error';
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
    (a, b) =>
      (a.line ?? 0) - (b.line ?? 0) ||
      (a.column ?? 0) - (b.column ?? 0) ||
      Number(Boolean(b.fatal)) - Number(Boolean(a.fatal)),
  );
}

export function hasErrors(file: VFile): boolean {
  return file.messages.some((message) => message.fatal === true);
}

/** What a diagnostic line shows: a vfile message's fields, or a warning kept in the manifest. */
export interface Shown {
  line?: number | undefined;
  column?: number | undefined;
  severity: Severity;
  reason: string;
  ruleId?: string | undefined;
}

/** `docs/PORTS.md:12:15 error <message> <rule-id>` */
export function formatMessage(message: VFileMessage, displayPath: string): string {
  return formatShown({ line: message.line, column: message.column, severity: severityOf(message), reason: message.reason, ruleId: message.ruleId }, displayPath);
}

/** `docs/PORTS.md:12:15 warning <message> <rule-id>` from plain fields. */
export function formatShown(shown: Shown, displayPath: string): string {
  const place = shown.line ? `:${shown.line}:${shown.column ?? 1}` : '';
  const rule = shown.ruleId ? ` ${shown.ruleId}` : '';
  return `${displayPath}${place} ${shown.severity} ${shown.reason}${rule}`;
}

/**
 * A diagnostic for a person at a terminal: the line above, its severity in
 * colour (unless NO_COLOR), then a code frame as `tsc --pretty` shows one, the
 * source line and a caret under the column. `lines` are the registry's lines
 * as on disk (the positions are). Ends with a newline.
 */
export function formatForTerminal(shown: Shown, displayPath: string, lines: readonly string[]): string {
  const color = !process.env.NO_COLOR;
  const paint = (format: Parameters<typeof styleText>[0], text: string): string => (color ? styleText(format, text) : text);
  const first = formatShown(shown, displayPath).replace(` ${shown.severity} `, ` ${paint(shown.severity === 'error' ? 'red' : 'yellow', shown.severity)} `);
  const text = shown.line ? lines[shown.line - 1] : undefined;
  if (text === undefined) return `${first}\n`;
  const number = String(shown.line);
  const caret = ' '.repeat(Math.max(0, (shown.column ?? 1) - 1));
  return `${first}\n${paint('dim', `${number} | `)}${text}\n${' '.repeat(number.length)}${paint('dim', ' | ')}${caret}${paint(shown.severity === 'error' ? 'red' : 'yellow', '^')}\n`;
}

/** The lines of a registry as the code frames show them: the text on disk, without its BOM. */
export function sourceLines(original: string): string[] {
  return (original.startsWith('\uFEFF') ? original.slice(1) : original).split(/\r\n|\r|\n/);
}

export function toJson(message: VFileMessage, displayPath: string): DiagnosticJson {
  return {
    file: displayPath,
    line: message.line ?? null,
    column: message.column ?? null,
    severity: severityOf(message),
    message: message.reason,
    ruleId: message.ruleId ?? null,
  };
}

/** `2 errors, 1 warning` */
export function summary(file: VFile): string {
  const errors = file.messages.filter((m) => m.fatal === true).length;
  const warnings = file.messages.length - errors;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  return `${plural(errors, 'error')}, ${plural(warnings, 'warning')}`;
}

/** A value quoted as inline code in a message, with a fence longer than any backtick run in it. */
export function code(value: unknown): string {
  const text = String(value);
  const longest = Math.max(0, ...Array.from(text.matchAll(/`+/g), (match) => match[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = longest > 0 || text.startsWith(' ') || text.endsWith(' ') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}
