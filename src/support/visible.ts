/**
 * Text for a terminal: what a registry cell, a file on disk or a process name
 * holds is shown, never obeyed. Control characters (but the tab), C1 controls,
 * bidirectional overrides and line separators become visible escapes (`\x1b`,
 * `\u202e`), so a cell holding `\e]0;pwned\a\e[2J` cannot retitle a window,
 * clear the screen or hide a line in a diagnostic, a diff or `--json`.
 */
const invisible = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

export function visible(text: string): string {
  return text.replace(invisible, (char) => {
    const code = char.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** `visible`, line by line: for messages of several lines (a usage error, the line to type, where the help is). */
export function visibleLines(text: string): string {
  return text.split('\n').map(visible).join('\n');
}

/** A value as `--json` prints it: every string in it `visibleLines`, so that once parsed it holds no control character either. */
export function visibleJson(value: unknown): string {
  return JSON.stringify(value, (_key, each: unknown) => (typeof each === 'string' ? visibleLines(each) : each), 2);
}
