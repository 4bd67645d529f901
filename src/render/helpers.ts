/**
 * Per-format quoting, the only way free text or values reach a template's
 * output. Each helper either returns text that is inert in its format or
 * throws (which surfaces as a template error): it never passes text through
 * unchecked. Identifiers are already safe (see names.ts); numbers are numbers.
 */

/** Control characters and line/paragraph separators: never allowed inside one line of config. */
const lineBreaking = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;
const hasLineBreaking = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** One line of comment text for `#` formats (.env, Python, nginx, systemd). */
export function hashComment(text: unknown): string {
  return String(text).replace(lineBreaking, ' ').replace(/\\+$/, '').trim();
}

/** Comment text for `/* … *\/` and `/** … *\/` blocks: one line, no terminator. */
export function blockComment(text: unknown): string {
  return hashComment(text).replace(/\*\//g, '*\\/');
}

/** A JavaScript/TypeScript string literal. */
export function jsString(value: unknown): string {
  return JSON.stringify(String(value)).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** A Python string literal (JSON's escapes are all valid in Python). */
export function pyString(value: unknown): string {
  return jsString(value);
}

/** A double-quoted nginx string. `$` would interpolate a variable, so it is refused. */
export function nginxString(value: unknown): string {
  const text = String(value);
  if (/[$\u0000-\u001f\u007f]/.test(text)) {
    throw new Error(`nginxString: refusing ${JSON.stringify(text)}: \`$\` and control characters cannot be quoted for nginx`);
  }
  return `"${text.replace(/[\\"]/g, '\\$&')}"`;
}

/** A dotenv value: bare when it is from a safe alphabet, single-quoted otherwise. */
export function envValue(value: unknown): string {
  const text = String(value);
  if (/^[A-Za-z0-9_./:@,+-]*$/.test(text)) return text;
  if (/['\n\r\\]/.test(text)) {
    throw new Error(`envValue: refusing ${JSON.stringify(text)}: quotes, backslashes and newlines cannot be quoted for dotenv`);
  }
  return `'${text}'`;
}

/** A quoted systemd `Environment=` assignment, `"KEY=value"`, with `%` specifiers escaped. */
export function systemdAssignment(name: unknown, value: unknown): string {
  const key = String(name);
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new Error(`systemdAssignment: refusing variable name ${JSON.stringify(key)}`);
  const text = String(value);
  if (hasLineBreaking.test(text)) {
    throw new Error(`systemdAssignment: refusing ${JSON.stringify(text)}: control characters cannot be quoted for systemd`);
  }
  return `"${key}=${text.replace(/[\\"]/g, '\\$&').replace(/%/g, '%%')}"`;
}

/** Text inside a quoted Mermaid label: one line, with quotes and markup as Mermaid entity codes. */
export function mermaidText(text: unknown): string {
  return hashComment(text).replace(/[#"<>&]/g, (char) => `#${char.codePointAt(0)};`);
}

/** Helpers as registered with Handlebars (the trailing options argument is dropped). */
export const helpers: Readonly<Record<string, (...args: unknown[]) => string>> = {
  hashComment: (text) => hashComment(text),
  blockComment: (text) => blockComment(text),
  jsString: (value) => jsString(value),
  pyString: (value) => pyString(value),
  nginxString: (value) => nginxString(value),
  envValue: (value) => envValue(value),
  systemdAssignment: (name, value) => systemdAssignment(name, value),
  mermaidText: (text) => mermaidText(text),
  json: (value) => JSON.stringify(value),
};
