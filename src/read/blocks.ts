/**
 * Where a Markdown document's top-level blocks start, from a scan of its lines
 * that never parses: the places where the parse cache (cache.ts) may cut the
 * document and parse each part on its own, getting the same tree.
 *
 * A cut goes only before a line that starts at the margin (no space or tab)
 * right after a blank line, where nothing is open that outlives a blank line:
 * a paragraph, table, heading, block quote or HTML block of the kinds that end
 * at a blank line has ended there, and a list has ended unless the line is a
 * list item again (then the list may go on: no cut). What outlives blank
 * lines is tracked: a fenced code block (until its closing fence, or the end
 * of the document) and the HTML blocks that end at a marker (`<script`,
 * `<pre`, `<style`, `<textarea`, comments, `<?`, `<!X`, CDATA). Indented lines
 * never start a block here: they may be indented code, or the content of a
 * list item. Nor does a cut go right after a fence or such an HTML block
 * opened inside a list item or quote that may still be open: the line that
 * closes the container ends it in the document, where a part's end would let
 * it run on over the blank lines before. Nor after a line indented 4 or more:
 * after indented code, micromark counts a list starting inside a following
 * quote as interrupting (`> 10) x` starts no list there).
 *
 * Where the scan cannot be sure what a line opens (a fence or an HTML block
 * indented inside what may be a list item, a fence after a line that may have
 * opened an HTML block that ends at a blank line), it stops cutting: the rest
 * of the document is one block. A block too big is always correct.
 */

const blank = /^[ \t]*$/;
const listItem = /^(?:[-+*]|\d{1,9}[.)])(?:[ \t]|$)/;
/** A container marker at the start of a line (list item or block quote): what follows may be indented inside it. */
const container = /^ {0,3}(?:[-+*]|\d{1,9}[.)]|>)(?:[ \t]|$)|^ {0,3}>/;
const fenceOpening = /^(`{3,})([^`]*)$|^(~{3,})(.*)$/;
/** A fence or marker-ended HTML block opened inside a container (or indented): it ends with the container, which a part's end would not do the same way. */
const innerOpening = /^[ \t>]*(?:(?:[-+*]|\d{1,9}[.)])[ \t>]+)*(?:`{3,}|~{3,}|<(?:script|pre|style|textarea|!--|\?|!\[CDATA\[|![A-Za-z]))/i;

/** The HTML blocks that run on past blank lines, until a line holds their end marker (CommonMark's kinds 1 to 5). */
const markerEnded: ReadonlyArray<{ start: RegExp; end: RegExp }> = [
  { start: /^<(?:script|pre|style|textarea)(?:[ \t>]|$)/i, end: /<\/(?:script|pre|style|textarea)>/i },
  { start: /^<!--/, end: /-->/ },
  { start: /^<\?/, end: /\?>/ },
  { start: /^<!\[CDATA\[/, end: /\]\]>/ },
  { start: /^<![A-Za-z]/, end: />/ },
];

type State =
  | { kind: 'flow' } // between or inside blocks that end at a blank line
  | { kind: 'fence'; marker: string }
  | { kind: 'html'; end: RegExp }
  | { kind: 'maybe-html' }; // a line starting with `<` that may have opened an HTML block ending at a blank line, or be text

/** The columns of indentation before the first character that is not a space or tab (a tab goes to the next multiple of 4). */
function indentation(line: string): number {
  let column = 0;
  for (const character of line) {
    if (character === ' ') column++;
    else if (character === '\t') column += 4 - (column % 4);
    else break;
  }
  return column;
}

/** What a line opens when it starts a fence or a marker-ended HTML block; `doubt` when its own end cannot be told. */
function opens(content: string): State | 'doubt' | undefined {
  const fence = fenceOpening.exec(content);
  if (fence) return { kind: 'fence', marker: fence[1] ?? fence[3]! };
  for (const { start, end } of markerEnded) {
    const match = start.exec(content);
    if (!match) continue;
    // does the block end on its own line? Asked from just after `<` and from after the whole opening: both must agree
    const early = end.test(content.slice(1));
    if (early !== end.test(content.slice(match[0].length))) return 'doubt';
    return early ? { kind: 'flow' } : { kind: 'html', end };
  }
  return content.startsWith('<') ? { kind: 'maybe-html' } : undefined;
}

/** Whether `line` closes the fence opened with `marker`. */
function closes(line: string, marker: string): boolean {
  const match = /^ {0,3}(`{3,}|~{3,})[ \t]*$/.exec(line);
  return match !== null && match[1]![0] === marker[0] && match[1]!.length >= marker.length;
}

/** The indexes of the lines where a top-level block starts: always 0, then each cut the scan is sure of. */
export function blockStarts(lines: readonly string[]): number[] {
  const starts = [0];
  let state: State = { kind: 'flow' };
  let inContainer = false; // a list item or block quote began since the last cut
  let lastIndent = 0; // of the last line that is not blank
  let innerOpen = false; // a fence or HTML block may be open inside a container: the next cut would end it early
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const previousIndent = lastIndent;
    if (!blank.test(line)) lastIndent = indentation(line);
    if (state.kind === 'fence') {
      if (closes(line, state.marker)) state = { kind: 'flow' };
      continue;
    }
    if (state.kind === 'html') {
      if (state.end.test(line)) state = { kind: 'flow' };
      continue;
    }
    if (blank.test(line)) {
      state = { kind: 'flow' };
      continue;
    }
    const indent = lastIndent;
    if (indent === 0 && i > 0 && blank.test(lines[i - 1]!) && !listItem.test(line) && previousIndent < 4) {
      // the line closes every container; a fence left open in one must end here, not at a part's end: no cut, once
      if (!innerOpen) starts.push(i);
      inContainer = false;
      innerOpen = false;
    }
    if (indent > 3 || (indent > 0 && inContainer) || container.test(line)) innerOpen ||= innerOpening.test(line);
    if (indent > 3) continue;
    const opened = opens(line.slice(indent));
    if (opened === 'doubt') return starts;
    if (opened !== undefined) {
      // indented, it may sit inside a list item (and end with it); after a maybe-HTML line, it may be that HTML's text
      if ((indent > 0 && inContainer) || (opened.kind !== 'maybe-html' && state.kind === 'maybe-html')) return starts;
      state = opened;
    }
    if (container.test(line)) inContainer = true;
  }
  return starts;
}
