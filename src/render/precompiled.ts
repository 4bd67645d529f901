/**
 * portbook's own templates, precompiled, by name: each with the SHA-256 of the
 * text it was compiled from (LF line ends), and Handlebars' template
 * specification. Empty here: the bundle build (scripts/bundle.mjs) replaces
 * this module in cli.cjs with one that holds them as code, so the bundle
 * needs only Handlebars' runtime and their functions are in its code cache.
 */
export const precompiled: Readonly<Record<string, { hash: string; spec: TemplateSpecification }>> = {};
