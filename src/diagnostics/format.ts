/**
 * Diagnostics as text: the one-line form, the code frame for a terminal,
 * and whether (and how) to colour them.
 */
import type { VFileMessage } from 'vfile-message';
import { visible } from '../support/visible.js';
import { type Severity, severityOf } from './report.js';

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
  return formatShown(
    { line: message.line, column: message.column, severity: severityOf(message), reason: message.reason, ruleId: message.ruleId },
    displayPath,
  );
}

/** `docs/PORTS.md:12:15 warning <message> <rule-id>` from plain fields. */
export function formatShown(shown: Shown, displayPath: string): string {
  const place = shown.line ? `:${shown.line}:${shown.column ?? 1}` : '';
  const rule = shown.ruleId ? ` ${shown.ruleId}` : '';
  return `${visible(displayPath)}${place} ${shown.severity} ${visible(shown.reason)}${rule}`;
}

/**
 * Whether to colour what goes to a stream: on a terminal, unless NO_COLOR is
 * set (to anything but the empty string); FORCE_COLOR colours even a pipe,
 * and FORCE_COLOR=0 (or false) turns colour off. NO_COLOR wins over both.
 * Diagnostics and diffs alike ask this one function.
 */
export function colorEnabled(isTTY: boolean, env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  if (env.NO_COLOR) return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force !== '0' && force.toLowerCase() !== 'false';
  return isTTY;
}

const styles = { red: [31, 39], green: [32, 39], yellow: [33, 39], cyan: [36, 39], bold: [1, 22], dim: [2, 22] } as const;
export type Style = keyof typeof styles;

/** `text` in ANSI `style` when `color`, else as it is. */
export function paint(style: Style, text: string, color: boolean): string {
  if (!color || text === '') return text;
  const [open, close] = styles[style];
  return `\u001b[${open}m${text}\u001b[${close}m`;
}

/**
 * A diagnostic for a person at a terminal: the line above, its severity in
 * colour (see colorEnabled), then a code frame as `tsc --pretty` shows one, the
 * source line and a caret under the column. `lines` are the registry's lines
 * as on disk (the positions are). Ends with a newline.
 */
export function formatForTerminal(shown: Shown, displayPath: string, lines: readonly string[], color = colorEnabled(true)): string {
  const tint = shown.severity === 'error' ? 'red' : 'yellow';
  const first = formatShown(shown, displayPath).replace(` ${shown.severity} `, ` ${paint(tint, shown.severity, color)} `);
  const text = shown.line ? lines[shown.line - 1] : undefined;
  if (text === undefined) return `${first}\n`;
  const number = String(shown.line);
  // the line as it is shown (escapes are wider than what they stand for), and the caret under the same character
  const caret = ' '.repeat(visible(text.slice(0, Math.max(0, (shown.column ?? 1) - 1))).length);
  return `${first}\n${paint('dim', `${number} | `, color)}${visible(text)}\n${' '.repeat(number.length)}${paint('dim', ' | ', color)}${caret}${paint(tint, '^', color)}\n`;
}

/**
 * A diagnostic as stderr shows it: with a code frame when a person reads it
 * (`tty`), else one line; in colour when colorEnabled says so (FORCE_COLOR
 * colours the one-line form too). Ends with a newline.
 */
export function formatDiagnostic(
  shown: Shown,
  displayPath: string,
  lines: readonly string[],
  tty: boolean,
  env: Readonly<Record<string, string | undefined>> = process.env,
): string {
  const color = colorEnabled(tty, env);
  if (tty) return formatForTerminal(shown, displayPath, lines, color);
  const tint = shown.severity === 'error' ? 'red' : 'yellow';
  return `${formatShown(shown, displayPath).replace(` ${shown.severity} `, ` ${paint(tint, shown.severity, color)} `)}\n`;
}

/** The lines of a registry as the code frames show them: the text on disk, without its BOM. */
export function sourceLines(original: string): string[] {
  return (original.startsWith('\uFEFF') ? original.slice(1) : original).split(/\r\n|\r|\n/);
}
