/**
 * How every template is compiled, portbook's own by the build (precompiled
 * into the bundle) and a project's at run time: one home, so that both read
 * templates alike.
 *
 * - `noEscape`: HTML escaping is wrong for every target here.
 * - `strict`: a misspelt field is an error, not a blank.
 * - `data` only where a template (or, for a project's, any of its templates
 *   and partials, which share their caller's data) reads `@` data (`@index`,
 *   `@root`, `@partial-block`…): without it `{{#each}}` makes no frame per
 *   item and `{{#if}}` no new function per call, a third of rendering a
 *   2,000-service `.env`.
 */
export function compileOptions(texts: readonly string[]): { noEscape: true; strict: true; data: boolean } {
  return { noEscape: true, strict: true, data: texts.some(readsData) };
}

/** Whether a template has `@` inside a mustache (a comment that mentions one counts too: data is kept when in doubt). */
function readsData(text: string): boolean {
  return /\{\{[^}]*@/.test(text);
}
