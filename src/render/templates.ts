/**
 * Template loading: the package's `templates/`, overridden by name by the
 * project's own directory, which may also add templates and `_name.hbs`
 * partials. Compiled as compile-options.ts says (`noEscape`, `strict`, and
 * `@` data only where a template reads it).
 */
import path from 'node:path';
import type Handlebars from 'handlebars';
import runtime from 'handlebars/runtime.js';
import { readTemplateFiles } from '../config/inputs.js';
import { PortbookError } from '../support/errors.js';
import { sha256Hex } from '../support/hash.js';
import { lfLineEnds } from '../support/lines.js';
import { onDemand } from '../support/on-demand.js';
import { packageRoot } from '../support/package.js';
import { hashComment } from '../targets/comments.js';
import { type Helper, targets } from '../targets/index.js';
import { compileOptions } from './compile-options.js';
import { precompiled } from './precompiled.js';

/** Every helper a template may use: each target's quoting helpers, one-line comments and JSON. */
export const helpers: Readonly<Record<string, Helper>> = Object.assign(
  { hashComment: (text: unknown) => hashComment(text), json: (value: unknown) => JSON.stringify(value) },
  ...targets.map((target) => target.helpers ?? {}),
);

/** The templates shipped with portbook. */
export const builtinTemplatesDir = path.join(packageRoot, 'templates');

export interface TemplateSource {
  /** `nginx.conf.hbs` */
  name: string;
  /** Where it was read from, for error messages. */
  file: string;
  text: string;
}

export interface TemplateSet {
  /** Template name (`nginx.conf.hbs`) → source; the project's wins over the package's. */
  sources: ReadonlyMap<string, TemplateSource>;
  render(name: string, context: unknown): string;
}

function listTemplates(dir: string, required: boolean): TemplateSource[] {
  // the same files, read the same way, as the inputs hash covers
  return readTemplateFiles(dir, required).map(({ name, file, bytes }) => ({ name, file, text: bytes.toString('utf8') }));
}

/** Load the package's templates, then the project's (which win by name). */
export function loadTemplates(projectDir: string | undefined): TemplateSet {
  const sources = new Map<string, TemplateSource>();
  for (const source of listTemplates(builtinTemplatesDir, true)) sources.set(source.name, source);
  if (projectDir && path.resolve(projectDir) !== path.resolve(builtinTemplatesDir)) {
    for (const source of listTemplates(projectDir, false)) sources.set(source.name, source);
  }
  return compileTemplates(sources);
}

/** The precompiled form of a template, when the build made one from exactly this text. */
function precompiledSpec(name: string, text: string): TemplateSpecification | undefined {
  const entry = Object.hasOwn(precompiled, name) ? precompiled[name] : undefined;
  return entry && entry.hash === sha256Hex(text) ? entry.spec : undefined;
}

/** A Handlebars environment: with its compiler (`parse`, `compile`) only when loaded on demand. */
type Environment = typeof Handlebars;

/** Handlebars' runtime: the package's runtime.d.ts types it as nothing; it is Handlebars without the compiler. */
const Runtime = runtime as unknown as Pick<Environment, 'create'>;

/** Register the helpers `wanted` names (all by default) on `handlebars`, each refusing a missing value instead of printing "undefined". */
function registerHelpers(handlebars: Environment, wanted: (name: string) => boolean = () => true): void {
  for (const [name, helper] of Object.entries(helpers)) {
    if (!wanted(name)) continue;
    handlebars.registerHelper(name, (...args: unknown[]) => {
      // the values, then Handlebars' options; read in place: this runs for every value of every file
      const count = args.length - 1;
      let missing = count <= 0;
      for (let i = 0; i < count && !missing; i++) missing = args[i] === undefined;
      // strict mode checks `{{field}}`, not a helper's arguments: a misspelt one arrives as undefined and would print "undefined"
      if (missing) {
        const at = (args.at(-1) as { loc?: { start?: { line: number; column: number } } } | undefined)?.loc?.start;
        throw new Error(
          `${name} got no value${at ? ` - ${at.line}:${at.column}` : ''}: a misspelt field, or an optional one (a service's host, healthPath, workers; a site's healthPath) that this item lacks: guard it with {{#if}}`,
        );
      }
      return count === 1 ? helper(args[0]) : count === 2 ? helper(args[0], args[1]) : helper(...args.slice(0, count));
    });
  }
}

/** Handlebars' built-in helpers a template names to use (`{{#each}}`, `{{lookup}}`…); the two it calls for a name that is no helper stay. */
const namedBuiltins = ['each', 'if', 'unless', 'with', 'lookup', 'log'];

/**
 * The environment of one of portbook's own templates, precompiled (they call
 * no partial): Handlebars' runtime with only the helpers its text names,
 * Handlebars' own included. Every render wraps each helper of its environment
 * anew, and a gen of 2,000 services renders 2,000 drop-ins from a template
 * that names three helpers of all there are.
 */
function ownEnvironment(text: string): Environment {
  const handlebars = Runtime.create();
  const named = (name: string): boolean => text.includes(name);
  for (const name of namedBuiltins) if (!named(name)) handlebars.unregisterHelper(name);
  registerHelpers(handlebars, named);
  return handlebars;
}

/** Compile the template or partial `source` (text: its text with LF line ends) into `handlebars`, which has the compiler. */
function compileSource(
  handlebars: Environment,
  source: TemplateSource,
  text: string,
  compiled: Map<string, HandlebarsTemplateDelegate>,
  options: ReturnType<typeof compileOptions>,
): void {
  let ast: hbs.AST.Program;
  try {
    // parse now: compile() is lazy and would report syntax errors only at first render
    ast = handlebars.parse(text);
  } catch (error) {
    throw new PortbookError(`${source.file}: ${firstLines(error)}`);
  }
  // compile the tree already parsed: the template is parsed once
  const template = handlebars.compile(ast, options);
  // a layout partial renders its caller's block ({{> @partial-block}}): errors there are the caller's, so it is not relabelled
  if (source.name.startsWith('_') && text.includes('@partial-block')) {
    handlebars.registerPartial(source.name.slice(1, -'.hbs'.length), template);
  } else if (source.name.startsWith('_')) {
    // an error inside a partial names the partial's file, not the template that included it
    handlebars.registerPartial(source.name.slice(1, -'.hbs'.length), ((context: unknown, options?: Handlebars.RuntimeOptions) => {
      try {
        return template(context, options);
      } catch (error) {
        throw error instanceof TemplateError ? error : new TemplateError(source.file, error);
      }
    }) as HandlebarsTemplateDelegate);
  } else {
    compiled.set(source.name, template);
  }
}

/**
 * Compile a set of template sources into an isolated Handlebars environment.
 * When every one is portbook's own, precompiled by the build, that is
 * Handlebars' runtime alone; the compiler (parser, code generator, most of
 * Handlebars) is loaded only for a project's own templates.
 */
export function compileTemplates(sources: Map<string, TemplateSource>): TemplateSet {
  const compiled = new Map<string, HandlebarsTemplateDelegate>();
  const toCompile: [TemplateSource, string][] = [];
  for (const source of sources.values()) {
    const text = lfLineEnds(source.text); // as the build read portbook's own
    const spec = source.name.startsWith('_') ? undefined : precompiledSpec(source.name, text);
    if (spec) compiled.set(source.name, ownEnvironment(text).template(spec));
    else toCompile.push([source, text]);
  }
  if (toCompile.length > 0) {
    // the project's templates and partials share one environment, with every helper, and their data: compiled with it when any of them reads it
    const handlebars = onDemand('compiler').create();
    registerHelpers(handlebars);
    const options = compileOptions(toCompile.map(([, text]) => text));
    for (const [source, text] of toCompile) compileSource(handlebars, source, text, compiled, options);
  }
  return {
    sources,
    render(name, context) {
      const template = compiled.get(name);
      const source = sources.get(name);
      if (!template || !source) throw new PortbookError(`No template named ${name}`);
      try {
        return template(context, {
          allowProtoPropertiesByDefault: false,
          allowProtoMethodsByDefault: false,
        });
      } catch (error) {
        if (error instanceof TemplateError) throw new PortbookError(`${error.file}: ${firstLines(error.cause)}`);
        throw new PortbookError(`${source.file}: ${firstLines(error)}`);
      }
    },
  };
}

/** An error raised while rendering a partial, with the partial's file. */
class TemplateError extends Error {
  constructor(
    readonly file: string,
    override readonly cause: unknown,
  ) {
    super(String(cause));
  }
}

/** The first lines of Handlebars' message, without the `in [object Object]` its strict mode adds. */
function firstLines(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message
    .replace(/ in \[object Object\]/g, '')
    .split('\n')
    .slice(0, 4)
    .join('\n');
}
