/**
 * Ports the document mentions outside its tables, each with the place its
 * digits stand: in code samples (```env `API_PORT=8000`, Python and
 * TypeScript constants, `localhost:3000`), in ASCII pictures (`Port: 18938`
 * or `:18938` in a box, with the box's first line as its label) and in the
 * text of paragraphs and headings (`on port 18938`, `Port: 18938`,
 * `localhost:3000`). validate judges them against the tables.
 *
 * What is read, and nothing else: a singular `port` followed by a number
 * (`port 8000`, `Port: 8000`, `--port=8000`); a number given to a name whose
 * last word is `port` (`API_PORT=8000`, `apiPort: 8000`,
 * `os.getenv("API_PORT", "8000")`, `${API_PORT:-8000}`) or to a variable the
 * tables name; a host and port (`localhost:3000`, `127.0.0.1:8000`,
 * `*:16532`, `[::1]:8000`, `http://api:8000`, `db.internal:5432`); and, in a
 * picture only, a bare `:8000`. Never read: tables (they are the registry),
 * HTML and comments, reserved-range lists, plural `ports` (`ports 80 and 443`),
 * ranges (`3000-9000`, `8000 to 8010`), decimals and versions (`3.11`),
 * numbers past 65535 or with a leading zero, `PORT` placeholders, and the
 * lines between the markers of a block portbook writes.
 */
import type { Code } from 'mdast';
import type { Source } from '../read/index.js';
import { codePointBefore, isLetterOrDigit, portVariable } from '../registry/names.js';
import type { PortMention, Registry } from '../registry/types.js';
import { cellText } from './cells.js';
import { ownLines } from './diagram-block.js';
import { walk } from './walk.js';

/** A backtick, for patterns (String.raw cannot hold one unescaped, and `\`` is no escape under the `u` flag). */
const tick = '`';

/** What may not follow a port number: a decimal or a range (`3000-9000`, `8000 to 8010`). */
const decimalOrRange = String.raw`[.,]\d|\s*(?:[-\u2013\u2014]|\.\.|to\b)\s*\d`;
/**
 * A port number, not part of a decimal or a range. That it runs into no
 * letter, digit or `_` (`8000px`, a sixth digit) is checked on the character
 * after the match (`numberEnds`), not in the pattern: V8 compiles each Unicode
 * property class of a pattern anew on every run, about a millisecond each, and
 * the forms below would hold ten.
 */
const number = String.raw`([1-9]\d{0,4})(?!${decimalOrRange})`;

/** `port 8000`, `Port: 8000`, `**Port**: \`8000\``, `--port=8000`, `port is 8000`: the singular word (a word of its own), then the number. */
const labelForm = new RegExp(String.raw`port[*_${tick}'"]*\s*(?:[:=#]|is\b|number\b)?\s*[*_${tick}'"]*\s*${number}`, 'giu');

/** Hosts written without a scheme that are taken for one: loopback, any address, IP literals, and names under a few well-known suffixes. */
const bareHost = String.raw`localhost|\d{1,3}(?:\.\d{1,3}){3}|\*|\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.(?:local|localhost|internal|lan|home|example|test|com|org|net|io|dev|app|cloud)`;
/** `localhost:3000`, `*:16532`, `[::1]:8000`, `db.internal:5432`: a bare host (not inside a word or a longer name), then the port. */
const hostForm = new RegExp(`(?:${bareHost}):${number}`, 'giu');
/**
 * `http://api:8000`, `postgres://user:secret@db:5432`, or a bare host: on a
 * line with `://` only (elsewhere its first branch never matches, and
 * `hostForm` finds what it finds), with its checks in the pattern. Made on
 * first use: even unused, its Unicode classes cost each run a third of a
 * millisecond to parse.
 */
let urlPattern: RegExp | undefined;
function urlForm(): RegExp {
  urlPattern ??= new RegExp(
    String.raw`(?:(?<![\p{L}\p{N}_.+-])[A-Za-z][A-Za-z0-9+.-]*://(?:[^\s/@]+@)?(?:\[[0-9A-Fa-f:.]+\]|[\p{L}\p{N}_.-]+)|(?<![\p{L}\p{N}_.*-])(?:${bareHost})):([1-9]\d{0,4})(?![\p{L}\p{N}_]|${decimalOrRange})`,
    'giu',
  );
  return urlPattern;
}

/** A name (not the end of a longer one), then what gives it a value: `=`, `:`, `,` (a default argument), `??`, `||`, `:-`, with a type annotation before `=`. */
const assignmentForm = new RegExp(
  String.raw`([A-Za-z_$][\w$]*(?:[.-][A-Za-z_$][\w$]*)*)['"${tick}]?[)\]]{0,2}\s*(?::\s*[A-Za-z_][\w.[\]|]*\s*(?==))?(?:={1,3}|:-|:|,|\?\?|\|\|)\s*['"${tick}]?${number}`,
  'gu',
);

/** In a picture: `:8000` after a space, a box or arrow character or a bracket. */
const bareForm = new RegExp(String.raw`(?<=^|[\s\u2190-\u21ff\u2500-\u257f\u25a0-\u25ff|(<>=[-]):${number}`, 'gu');

/**
 * Whether `code` is in `[\p{L}\p{N}_]` or `also` (ASCII), as a pattern's
 * class reads it: `folded`, under the `iu` flags, the class also holds U+0345,
 * which case-folds to a letter (the only code point that flag adds).
 */
function inWordClass(code: number | undefined, folded: boolean, also = ''): boolean {
  if (code === undefined) return false;
  if (code < 0x80) return isLetterOrDigit(code) || code === 0x5f || also.includes(String.fromCharCode(code));
  return (folded && code === 0x345) || isLetterOrDigit(code);
}

/**
 * The matches of a form, as `matchAll` finds them: a match the checks refuse
 * is sought again one character on, as the pattern itself would when its
 * lookarounds failed there (every check is at a place fixed by where the match
 * starts: its start, the end of `port`, the end of the number).
 */
function matchesOf(text: string, pattern: RegExp, accepted: (text: string, match: RegExpExecArray) => boolean): RegExpExecArray[] {
  const matches: RegExpExecArray[] = [];
  pattern.lastIndex = 0;
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    if (accepted(text, match)) matches.push(match);
    else pattern.lastIndex = match.index + 1;
  }
  return matches;
}

/** The number at the end of `match` runs into no letter, digit or `_`. */
const numberEnds = (text: string, match: RegExpExecArray, folded: boolean): boolean => !inWordClass(text.codePointAt(match.index + match[0].length), folded);

/** What each form's pattern leaves to code: no letter, digit or `_` (nor, for some, `.`, `$`, `*` or `-`) just before the match, after the word `port`, after the number. */
const labelChecks = (text: string, match: RegExpExecArray): boolean =>
  !inWordClass(codePointBefore(text, match.index), true) && !inWordClass(text.codePointAt(match.index + 'port'.length), true) && numberEnds(text, match, true);
const hostChecks = (text: string, match: RegExpExecArray): boolean =>
  !inWordClass(codePointBefore(text, match.index), true, '.*-') && numberEnds(text, match, true);
const assignmentChecks = (text: string, match: RegExpExecArray): boolean =>
  !inWordClass(codePointBefore(text, match.index), false, '.$-') && numberEnds(text, match, false);

/** Box drawing, arrows and `+---`: what makes a code block in no language a picture. */
const pictureMark = /[\u2190-\u21ff\u2500-\u257f\u25a0-\u25ff]|\+-{3,}|-{2,}>/;
const pictureLanguages = new Set(['', 'text', 'txt', 'plain', 'plaintext', 'ascii', 'diagram', 'art']);
/** The sides of a box, and the characters its top and bottom are drawn with. */
const boxSide = /[\u2502\u2503\u2551|\u254e\u254f\u2506\u2507\u250a\u250b]/u;
const boxBorder = /^[\s\u2500-\u257f+=~_-]+$/u;

/** A mention found on one line: where its digits and its form start, and what it names. */
interface Found {
  digits: number;
  start: number;
  port: number;
  text: string;
  variable?: string;
}

/** The words of an identifier: `API_PORT`, `apiPort`, `api-port` → api, port. */
function identifierWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((word) => word.toLowerCase());
}

/** Every mention on one line of text, each at the first form that reads it (an assignment, an address, `port N`, then a bare `:N`). */
export function mentionsOnLine(text: string, options: { picture: boolean; variables: ReadonlySet<string> }): Found[] {
  // every form ends in a number: a line with no digit from 1 to 9 has none (most headings), and the Unicode patterns are never run on it
  if (!/[1-9]/.test(text)) return [];
  const found: Found[] = [];
  const taken = new Set<number>();
  const add = (match: RegExpMatchArray, variable?: string): void => {
    const digits = match.index! + match[0].length - match.at(-1)!.length;
    const port = Number(match.at(-1));
    if (taken.has(digits) || port > 65535) return;
    taken.add(digits);
    found.push({ digits, start: match.index!, port, text: match[0].replace(/\*\*|__|`/g, '').trim(), ...(variable ? { variable } : {}) });
  };
  for (const match of matchesOf(text, assignmentForm, assignmentChecks)) {
    const name = match[1]!;
    const last = name.split('.').at(-1)!;
    const words = identifierWords(last);
    // `port: 8000` is the label form's; a name whose last word is not `port` is something else, unless the tables name it
    if (options.variables.has(last)) add(match, last);
    else if (words.at(-1) === 'port' && words.length > 1) add(match, last);
  }
  // the address and the bare form have `:` just before their number, the label form the word `port` (no other letters fold to its under `iu`)
  const colonNumber = /:[1-9]/.test(text);
  if (colonNumber) for (const match of text.includes('://') ? text.matchAll(urlForm()) : matchesOf(text, hostForm, hostChecks)) add(match);
  if (/port/i.test(text)) for (const match of matchesOf(text, labelForm, labelChecks)) add(match);
  if (options.picture && colonNumber) for (const match of matchesOf(text, bareForm, (line, match) => numberEnds(line, match, false))) add(match);
  return found.sort((a, b) => a.digits - b.digits);
}

/**
 * In a picture, the box around `column` of `lines[index]`: its sides on that
 * line, and the first line of text above it inside the box (its title).
 */
function boxOf(lines: readonly string[], index: number, column: number): { left: number; title?: string } | undefined {
  const line = lines[index]!;
  let left = column;
  while (left > 0 && !boxSide.test(line[left - 1]!)) left--;
  let right = column;
  while (right < line.length && !boxSide.test(line[right]!)) right++;
  if (left === 0 || right === line.length) return undefined;
  let title: string | undefined;
  for (let above = index - 1; above >= 0; above--) {
    const row = lines[above]!;
    // still inside this box: its left side on that line too, and no border across it
    if (!boxSide.test(row[left - 1] ?? '')) break;
    const cell = row.slice(left, right);
    if (boxBorder.test(cell)) break;
    const text = cell.replace(new RegExp(boxSide.source, 'gu'), ' ').trim();
    if (text !== '') title = text;
  }
  return { left, ...(title !== undefined ? { title } : {}) };
}

/** Code block languages portbook reads as pictures when they hold box drawing or arrows. */
function isPicture(node: Code, content: readonly string[]): boolean {
  return pictureLanguages.has(node.lang?.toLowerCase() ?? '') && content.some((line) => pictureMark.test(line));
}

/**
 * Every mention outside the tables, in document order, once the tables and
 * blocks are read: the variables the tables give their services are read as
 * mentions whatever their last word, and the lines between the markers of a
 * block portbook writes are not read.
 */
export function readMentions(source: Source, registry: Registry): PortMention[] {
  const variables = new Set(registry.services.map(portVariable));
  const own = ownLines(registry);
  const lines = source.text.split('\n');
  const mentions: PortMention[] = [];
  const skipped = (line: number): boolean => own.some((range) => line >= range.from && line <= range.to);
  const record = (
    line: number,
    found: Found,
    context: PortMention['context'],
    extra: Omit<PortMention, 'port' | 'context' | 'before'>,
    before: string,
  ): void => {
    const position = source.toOriginal({ line, column: found.digits + 1 });
    mentions.push({
      port: { value: found.port, text: found.text, position },
      context,
      ...extra,
      ...(found.variable ? { variable: found.variable } : {}),
      before,
    });
  };
  const prose = (from: number, to: number): void => {
    for (let line = from; line <= to; line++) {
      const text = lines[line - 1] ?? '';
      for (const found of mentionsOnLine(text, { picture: false, variables })) record(line, found, 'prose', {}, text.slice(0, found.start));
    }
  };
  const code = (node: Code): void => {
    const start = node.position?.start;
    const end = node.position?.end.line;
    if (!start || end === undefined) return;
    const fenced = /^(`{3,}|~{3,})/.test((lines[start.line - 1] ?? '').slice(start.column - 1));
    const closed = fenced && end > start.line && /^[\s>]*(`{3,}|~{3,})\s*$/.test(lines[end - 1] ?? '');
    const first = fenced ? start.line + 1 : start.line;
    const last = closed ? end - 1 : end;
    const content = lines.slice(first - 1, last);
    const picture = isPicture(node, content);
    const lang = node.lang ? { lang: node.lang.toLowerCase() } : {};
    content.forEach((text, index) => {
      const line = first + index;
      if (skipped(line)) return;
      for (const found of mentionsOnLine(text, { picture, variables })) {
        const box = picture ? boxOf(content, index, found.start) : undefined;
        const label = box?.title !== undefined ? { label: box.title } : {};
        record(line, found, picture ? 'picture' : 'code', { ...lang, ...label }, text.slice(box?.left ?? 0, found.start));
      }
    });
  };
  const headings: Array<{ depth: number; text: string }> = [];
  // each node in document order, without recursion (walk.ts): false leaves a node's children unread
  walk(source.tree, (node) => {
    const position = node.position;
    switch (node.type) {
      case 'heading':
        while (headings.length > 0 && headings.at(-1)!.depth >= node.depth) headings.pop();
        headings.push({ depth: node.depth, text: cellText(node) });
        if (position) prose(position.start.line, position.end.line);
        return false;
      case 'paragraph':
        if (position) prose(position.start.line, position.end.line);
        return false;
      case 'code':
        code(node);
        return false;
      case 'table':
      case 'html':
      case 'definition':
        return false;
      case 'list':
        // reserved ranges are the registry's own declarations (extract/ranges.ts)
        return !headings.some((heading) => /\breserved\b/i.test(heading.text));
      default:
        return true;
    }
  });
  return mentions;
}
