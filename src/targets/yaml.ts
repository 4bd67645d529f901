/**
 * YAML as the compose and Prometheus targets write it: every string value
 * double-quoted in plain ASCII, and comments of printable text on one line.
 * Their readers differ (docker-compose reads YAML with PyYAML, Prometheus and
 * the blackbox exporter with go-yaml), and both refuse some characters
 * anywhere in a file, comments included; what is written here is what both
 * read back the same way.
 */
import { hashComment } from './comments.js';

/** Lone surrogates (which UTF-8 cannot hold, and no YAML reader takes as an escape) as U+FFFD. */
function wellFormed(text: string): string {
  return text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

/**
 * A double-quoted YAML scalar of any text, in ASCII: `"` and `\` escaped,
 * every other character outside printable ASCII as `\uXXXX` (or `\UXXXXXXXX`
 * above the BMP). A lone surrogate, which no reader accepts as an escape,
 * becomes U+FFFD first.
 */
export function yamlString(value: unknown): string {
  let out = '"';
  for (const character of wellFormed(String(value))) {
    const point = character.codePointAt(0)!;
    if (character === '"' || character === '\\') out += `\\${character}`;
    else if (point >= 0x20 && point <= 0x7e) out += character;
    else if (point <= 0xffff) out += `\\u${point.toString(16).toUpperCase().padStart(4, '0')}`;
    else out += `\\U${point.toString(16).toUpperCase().padStart(8, '0')}`;
  }
  return `${out}"`;
}

/**
 * What YAML allows in a stream (YAML 1.1 c-printable, less NEL, which is a
 * line break there): the rest, such as U+FFFE, makes go-yaml and PyYAML
 * refuse the whole file even inside a comment.
 */
const unprintable = /[^\t\u0020-\u007e\u00a0-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu;

/** One line of `#` comment text for YAML: hashComment (line breaks, NEL, U+2028 become spaces), then U+FFFD for what YAML refuses. */
export function yamlComment(text: unknown): string {
  return hashComment(wellFormed(String(text))).replace(unprintable, '\ufffd');
}
