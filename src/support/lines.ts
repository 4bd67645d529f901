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
