/** Reserved ranges: the items of a list under a `Reserved` heading, each one or more port ranges with a description. */
import type { List, ListItem, Nodes } from 'mdast';
import { code, report } from '../diagnostics/report.js';
import type { Source } from '../read/index.js';
import type { Field, Point, Registry, ReservedRange } from '../registry/types.js';
import { cellText } from './cells.js';
import { findValuePoint } from './items.js';

/** `20000`, or with thousands separators as people write them: `20,000`, `20_000`, `20 000` (a no-break space). */
const rangeNumber = String.raw`(\d{1,3}(?:[,_\u00a0\u202f]\d{3})+(?!\d)|\d+)`;
/** `-`, `–`, `—` (escaped: see cells.ts), `to` or `..` between the ends of a range. */
const rangeDash = String.raw`\s*(?:-|\u2013|\u2014|to|\.\.)`;
/** `16000-16099`, `16000 to 16099`, `22_000..22_099` */
const fullRange = new RegExp(String.raw`^${rangeNumber}${rangeDash}\s*${rangeNumber}\b`);
/** One port, `9000`: not the start of a range (`9000-`), a decimal, or a number with a comma right after it (`20,5`). */
const onePort = new RegExp(String.raw`^${rangeNumber}\b(?![-\u2013\u2014.\d]|,\d)`);
/** A range cut short: `17000-` */
const rangeStart = new RegExp(`^${rangeNumber}${rangeDash}`);
/** What separates ranges in one item: `,`, `;`, `&`, `+` or `and`. */
const rangeSeparator = /^\s*(?:[,;&+]|and\b)\s*/i;

interface RangeElement {
  from: number;
  to: number;
  /** `16000-16099`, or `9000` for one port, without thousands separators. */
  text: string;
  /** How many characters of the value it took. */
  length: number;
  single: boolean;
}

/** The range or single port at the start of `text`. */
function rangeElementAt(text: string): RangeElement | undefined {
  const plain = (digits: string): number => Number(digits.replace(/[,_\u00a0\u202f]/g, ''));
  const range = fullRange.exec(text);
  if (range) {
    const [from, to] = [plain(range[1]!), plain(range[2]!)];
    return { from, to, text: `${from}-${to}`, length: range[0].length, single: false };
  }
  const port = onePort.exec(text);
  if (!port) return undefined;
  const value = plain(port[1]!);
  return { from: value, to: value, text: String(value), length: port[0].length, single: true };
}

/**
 * `**Primary Range**: \`16532-17354\` (API and frontend services)`. An item may
 * hold several ranges of one name, separated by a comma, `;`, `&`, `+` or
 * `and` (`16000-16099, 17000-17099`): each is a range of its own, at its own
 * place, with the item's description. After a separator, a full range always
 * counts; a single port only when the item, a separator or a parenthesis
 * follows it, so `9000, used by …` stays one port and prose. A number the
 * reading cannot place for sure, a range after no separator
 * (`16000-16099 17000-17099`) or a port followed by prose
 * (`16000-16099, 50 services`), is read as the description and reported.
 */
export function readRanges(list: List, registry: Registry, source: Source, point: (node: Nodes | undefined) => Point): void {
  for (const item of list.children as ListItem[]) {
    const text = cellText(item).trim();
    const match = /^([^:]+?)\s*:\s*(.*)$/s.exec(text);
    // only items whose value starts with a number are ranges: `- **Note**: ports 80, 443 …` is prose
    if (!match || !/^\d/.test(match[2]!)) continue;
    const rest = match[2]!;
    const name: Field<string> = { value: match[1]!, text: match[1]!, position: point(item.children[0]) };
    // a place for each range: where the n-th number of the value starts
    const at = (offset: number): Point => findValuePoint(item, point, true, (rest.slice(0, offset).match(/\d+/g) ?? []).length) ?? point(item.children[0]);
    const ranges: Array<ReservedRange['range']> = [];
    const first = rangeElementAt(rest);
    let end = first?.length ?? rest.length; // an item that is no range has no description either
    if (first) ranges.push({ value: { from: first.from, to: first.to }, text: first.text, position: at(0) });
    else ranges.push({ value: undefined, text: rest.split(/\s/)[0] ?? rest, position: at(0) });
    while (first) {
      const tail = rest.slice(end);
      const separator = rangeSeparator.exec(tail)?.[0];
      const gap = separator?.length ?? /^\s*/.exec(tail)![0].length;
      const next = tail.slice(gap);
      if (!/^\d/.test(next)) break;
      const element = rangeElementAt(next);
      const after = element ? next.slice(element.length) : '';
      const alone = element !== undefined && (!element.single || /^\s*$/.test(after) || rangeSeparator.test(after) || /^\s*\(/.test(after));
      if (separator !== undefined && alone) {
        ranges.push({ value: { from: element!.from, to: element!.to }, text: element!.text, position: at(end + gap) });
        end += gap + element!.length;
        continue;
      }
      if (separator !== undefined && !element && rangeStart.test(next)) {
        // a second range cut short (`17000-`): range-invalid reports it, as it would a first one
        const token = next.split(/\s/)[0]!;
        ranges.push({ value: undefined, text: token, position: at(end + gap) });
        end += gap + token.length;
        break;
      }
      if (element) {
        report(
          source.file,
          'range-ambiguous',
          `Unexpected ${code(next.trimEnd())} after the range ${code(ranges.at(-1)!.text)} of ${code(name.value)}, expected another range after a comma or \`and\`: ` +
            `portbook reads it as the description; separate ranges with a comma (\`16000-16099, 17000-17099\`), or put a note in parentheses`,
          at(end + gap),
        );
      }
      break;
    }
    const description = rest
      .slice(end)
      .trim()
      .replace(/^\((.*)\)$/s, '$1');
    for (const range of ranges) {
      const entry: ReservedRange = { name, range, position: point(item) };
      if (description) entry.description = description;
      registry.reservedRanges.push(entry);
    }
  }
}
