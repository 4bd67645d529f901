/** Words for `sh`: the one quoting rule for every command line portbook prints or runs. */

/** Single-quoted for sh, whatever it holds. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** As it is when it is from a safe alphabet, else single-quoted: what a command line shown to a person uses. */
export function shellWord(word: string): string {
  return /^[\w./:@=+,%-]+$/.test(word) ? word : shellQuote(word);
}
