/**
 * The registry's vocabulary of names: words of a service name, the case
 * styles identifiers are built from, and the variable names every target
 * shares. Format-specific identifiers (nginx upstreams, systemd units) live
 * in their target's module and are built from these, so a service name can
 * never become a directive, a command or a path.
 */
import { remembered } from '../support/remembered.js';
import type { EnvironmentName, Service } from './types.js';

/** `text` with accents folded away (`é` → `e`) and compatibility forms decomposed (NFKD, marks removed). */
export function withoutAccents(text: string): string {
  // ASCII has nothing to fold: skip NFKD and the mark pattern, most of the time this takes
  return /^[\x00-\x7f]*$/.test(text) ? text : text.normalize('NFKD').replace(/\p{M}+/gu, '');
}

/**
 * `[\p{L}\p{N}]`, compiled on first use: V8 compiles a Unicode property class
 * anew in every process (about a millisecond on a cold run), and most
 * headings, cells and lines are ASCII, where it is never needed.
 */
let letterOrDigitPattern: RegExp | undefined;

/** Whether a code point is a letter or a digit of any script (`\p{L}`, `\p{N}`). */
export function isLetterOrDigit(code: number): boolean {
  if (code < 0x80) return (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
  letterOrDigitPattern ??= /^[\p{L}\p{N}]$/u;
  return letterOrDigitPattern.test(String.fromCodePoint(code));
}

/** The code point that ends before `index`, as a lookbehind of a `u` pattern reads it (a surrogate pair is one); `undefined` at the start. */
export function codePointBefore(text: string, index: number): number | undefined {
  if (index === 0) return undefined;
  const pair = index >= 2 ? text.codePointAt(index - 2)! : 0;
  return pair > 0xffff ? pair : text.charCodeAt(index - 1);
}

/**
 * The runs of letters and digits of any script in `text`, as
 * `text.split(/[^\p{L}\p{N}]+/u)` gives them (with an empty string where
 * `text` starts or ends with neither), without that pattern's Unicode classes.
 */
export function letterDigitRuns(text: string): string[] {
  if (/^[\x00-\x7f]*$/.test(text)) return text.split(/[^A-Za-z0-9]+/);
  const runs: string[] = [];
  const width = (index: number): number => (text.codePointAt(index)! > 0xffff ? 2 : 1);
  let start = 0;
  for (let index = 0; index < text.length; ) {
    if (isLetterOrDigit(text.codePointAt(index)!)) {
      index += width(index);
      continue;
    }
    runs.push(text.slice(start, index));
    while (index < text.length && !isLetterOrDigit(text.codePointAt(index)!)) index += width(index);
    start = index;
  }
  runs.push(text.slice(start));
  return runs;
}

/** Words of a name: markup is already gone; accents are folded, everything else splits. */
export function words(name: string): string[] {
  return withoutAccents(name)
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean);
}

/** `Creator Suite API` → `CREATOR_SUITE_API`; a leading digit gets a `_` prefix. Empty when the name has no letters or digits. */
export const screamingSnake = remembered((name) => {
  const joined = words(name).join('_').toUpperCase();
  return /^\d/.test(joined) ? `_${joined}` : joined;
});

/** `Creator Suite API` → `creator-suite-api` (systemd unit names, file names). */
export const kebab = remembered((name) => words(name).join('-').toLowerCase());

/** `Creator Suite API` → `creator_suite_api` (nginx upstream names). */
export const snake = remembered((name) => words(name).join('_').toLowerCase());

/** The environment variable for a service's port: its `Env` cell, or `NAME_PORT`. */
export function portVariable(service: Pick<Service, 'name' | 'variable'>): string {
  if (service.variable) return service.variable.value;
  const base = screamingSnake(service.name.value);
  if (base === '') return '';
  return base === 'PORT' || base.endsWith('_PORT') ? base : `${base}_PORT`;
}

/** `CREATOR_SUITE_API_PORT` → `CREATOR_SUITE_API`: the stem of a service's other variables. */
export function variableStem(service: Pick<Service, 'name' | 'variable'>): string {
  const variable = portVariable(service);
  return variable.replace(/_PORT$/, '') || variable;
}

/** `CREATOR_SUITE_API_HOST`: the variable for a service's bind address. */
export function hostVariable(service: Pick<Service, 'name' | 'variable'>): string {
  return `${variableStem(service)}_HOST`;
}

/** `CREATOR_SUITE_API_HEALTH_PATH`: the variable for a service's health-check path. */
export function healthVariable(service: Pick<Service, 'name' | 'variable'>): string {
  return `${variableStem(service)}_HEALTH_PATH`;
}

/** The variables a service's details add: its host and health-path variables, when known. */
export function detailVariables(service: Pick<Service, 'name' | 'variable' | 'details'>): string[] {
  return [...(service.details?.bind ? [hostVariable(service)] : []), ...(service.details?.healthCheck ? [healthVariable(service)] : [])];
}

/**
 * The longest identifier portbook derives or writes (a systemd unit, an nginx
 * upstream, a variable): a unit's drop-in directory, `<unit>.service.d`, must
 * fit the 255 bytes a file name may have, and no identifier needs more.
 */
export const maxIdentifierLength = 240;

/** A valid environment variable / TS / Python constant name. */
export const variablePattern = /^[A-Z_][A-Z0-9_]*$/;

/** Whether a variable has the shape of the port variables portbook writes: `PORT` or `…_PORT`. */
export function isPortVariable(name: string): boolean {
  return name === 'PORT' || /^[A-Z_][A-Z0-9_]*_PORT$/.test(name);
}

/** Variables programs read to decide how they run (what they load, where they connect, what they trust): never set from a port table. */
const systemFamilies: ReadonlyArray<[RegExp, string]> = [
  [
    /^(PATH|HOME|USER|LOGNAME|SHELL|PWD|IFS|CDPATH|ENV|BASH_ENV|SHELLOPTS|BASHOPTS|PS4|PROMPT_COMMAND|TMPDIR|TMP|TEMP|LANG|LANGUAGE|TZ|TZDIR|TERM|EDITOR|VISUAL|PAGER|MANPAGER|BROWSER|LESSOPEN|LESSCLOSE|SYSTEMD_PAGER|SYSTEMD_PAGERSECURE|SYSTEMD_EDITOR|SYSTEMD_LESS)$/,
    'the shell and the system',
  ],
  [/^(LD|DYLD)_/, 'the dynamic loader'],
  // glibc's own list of variables it ignores in setuid programs (unsecvars.h), but LD_* and TMPDIR (above)
  [
    /^(GCONV_PATH|GETCONF_DIR|LOCPATH|NLSPATH|NIS_PATH|HOSTALIASES|LOCALDOMAIN|RESOLV_HOST_CONF|RES_OPTIONS|MALLOC_[A-Z0-9_]*|GLIBC_TUNABLES|LC_[A-Z_]+)$/,
    'the C library',
  ],
  [/_PROXY$/, 'HTTP clients (where they connect)'],
  [/^(SSL|OPENSSL|CURL|REQUESTS|GRPC_DEFAULT_SSL)_/, 'TLS libraries (what they trust)'],
  [/^(NODE|NPM_CONFIG)_/, 'Node.js and npm'],
  [/^PYTHON/, 'Python'],
  [/^(PERL|RUBY|GEM_)/, 'Perl and Ruby'],
  [/^(JAVA_|_JAVA_|JDK_)/, 'the JVM'],
  [/^GIT_/, 'git'],
];

/** What a variable of a system family changes (`undefined`: none): refused in an `Env` cell, even when the config allows it. */
export function systemVariableFamily(name: string): string | undefined {
  return systemFamilies.find(([pattern]) => pattern.test(name))?.[1];
}

/** The key an environment has in `PORTS` objects and file names. */
export function environmentKey(name: EnvironmentName | null): string {
  return name ?? 'default';
}
