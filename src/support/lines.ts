/** Text as lines that keep their own endings (LF, CRLF or CR), with any BOM set aside, for edits that change nothing else. */
export interface Lines {
  bom: string;
  lines: string[];
}

export function splitLines(text: string): Lines {
  const bom = text.startsWith('\uFEFF') ? '\uFEFF' : '';
  return { bom, lines: text.slice(bom.length).match(/[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$/g) ?? [] };
}

export function joinLines({ bom, lines }: Lines): string {
  return bom + lines.join('');
}

/** `text` with every CRLF and lone CR as LF; text without a CR (the usual case) is returned as it is, unscanned by a regular expression. */
export function lfLineEnds(text: string): string {
  return text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
}
