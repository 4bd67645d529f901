/**
 * nginx's configuration syntax, as much of it as deploy and drift read: the
 * statements of a file (a directive and its words, or a block's head), with
 * where each word is, so that a few of them can be rewritten in place; and
 * the sections of `nginx -T`, one per file nginx loaded.
 */

/** A word of a statement: its text unquoted, and where it stands in the file (quotes included). */
export interface Word {
  text: string;
  start: number;
  end: number;
  line: number;
}

/** A directive (`proxy_pass http://api;`) or a block's head (`server {`), with the blocks around it, innermost last. */
export interface Statement {
  name: Word;
  args: Word[];
  /** It opens a block. */
  block: boolean;
  /** The blocks it is in: their names and a number that tells one block from another. */
  within: Array<{ name: string; id: number }>;
  /** This statement's own block number, when it opens one. */
  id: number;
}

const space = /\s/;

/** Read one word from `at` (a quoted string, or up to a space, `;`, `{` or `}`; `${var}` keeps its braces). */
function readWord(text: string, at: number): { text: string; end: number } {
  const quote = text[at];
  if (quote === '"' || quote === "'") {
    let value = '';
    let index = at + 1;
    while (index < text.length && text[index] !== quote) {
      if (text[index] === '\\' && index + 1 < text.length) {
        index++;
        // nginx keeps the backslash before anything but the quote and a backslash
        if (text[index] !== quote && text[index] !== '\\') value += '\\';
      }
      value += text[index++];
    }
    return { text: value, end: Math.min(index + 1, text.length) };
  }
  let index = at;
  while (index < text.length && !space.test(text[index]!) && !';{}'.includes(text[index]!)) {
    if (text[index] === '$' && text[index + 1] === '{') {
      const close = text.indexOf('}', index);
      index = close === -1 ? text.length : close + 1;
    } else index++;
  }
  return { text: text.slice(at, index), end: index };
}

/** The statements of a configuration file, in order. Never throws: text nginx would refuse reads as what it plausibly says. */
export function statements(text: string): Statement[] {
  const found: Statement[] = [];
  const stack: Array<{ name: string; id: number }> = [];
  let words: Word[] = [];
  let line = 1;
  let index = 0;
  let next = 0;
  const end = (block: boolean): void => {
    const [name, ...args] = words;
    words = [];
    if (!name) return;
    const id = block ? ++next : 0;
    found.push({ name, args, block, within: [...stack], id });
    if (block) stack.push({ name: name.text, id });
  };
  while (index < text.length) {
    const char = text[index]!;
    if (char === '\n') line++;
    if (space.test(char)) index++;
    else if (char === '#') {
      const newline = text.indexOf('\n', index);
      index = newline === -1 ? text.length : newline;
    } else if (char === ';') {
      end(false);
      index++;
    } else if (char === '{') {
      end(true);
      index++;
    } else if (char === '}') {
      end(false);
      stack.pop();
      index++;
    } else {
      const word = readWord(text, index);
      words.push({ text: word.text, start: index, end: word.end, line });
      for (let at = index; at < word.end; at++) if (text[at] === '\n') line++;
      index = Math.max(word.end, index + 1);
    }
  }
  return found;
}

/** A word as nginx reads it back: in double quotes, `"` and `\` escaped. */
export function quoted(value: string): string {
  return `"${value.replace(/[\\"]/g, '\\$&')}"`;
}

/** `text` with the words of `replacements` (by their place) replaced by quoted values. */
export function replaceWords(text: string, replacements: ReadonlyArray<{ word: Word; value: string }>): string {
  let result = text;
  for (const { word, value } of [...replacements].sort((a, b) => b.word.start - a.word.start)) {
    result = result.slice(0, word.start) + quoted(value) + result.slice(word.end);
  }
  return result;
}

/** `nginx -T`'s output as the files it loaded: each `# configuration file PATH:` marker and the text under it. */
export function dumpSections(dump: string): Array<{ file: string; text: string }> {
  const sections: Array<{ file: string; text: string }> = [];
  const marker = /^# configuration file (.+):$/gm;
  const marks = [...dump.matchAll(marker)];
  marks.forEach((mark, index) => {
    const start = mark.index + mark[0].length + 1;
    const end = marks[index + 1]?.index ?? dump.length;
    sections.push({ file: mark[1]!, text: dump.slice(start, end) });
  });
  return sections;
}

/** Where a `*_pass` or an upstream's `server` sends requests: a host and port, or `undefined` for a socket, a variable or a name without one. */
export function passTarget(value: string): { host: string; port: number | undefined } | undefined {
  if (value.includes('$') || value.startsWith('unix:')) return undefined;
  const scheme = /^([a-z]+):\/\//i.exec(value)?.[1]?.toLowerCase();
  const rest = scheme ? value.slice(scheme.length + 3) : value;
  const authority = rest.split('/')[0]!;
  const bracketed = /^\[([0-9a-fA-F:.]+)\](?::(\d+))?$/.exec(authority);
  const plain = /^([^:[\]]+)(?::(\d+))?$/.exec(authority);
  const [host, port] = bracketed ? [bracketed[1]!, bracketed[2]] : plain ? [plain[1]!, plain[2]] : [undefined, undefined];
  if (host === undefined) return undefined;
  const fallback = scheme === 'https' ? 443 : scheme === 'http' ? 80 : undefined;
  return { host: host.toLowerCase(), port: port === undefined ? fallback : Number(port) };
}

/** Whether a host is this machine: loopback, `localhost`, or every address (which a connection reaches locally). */
export function isLocalHost(host: string): boolean {
  return /^127\.\d+\.\d+\.\d+$/.test(host) || ['localhost', '::1', '0.0.0.0', '::'].includes(host);
}
