/**
 * `settings.ts`: constants read from the process environment when the module
 * is imported, with the registry's values as defaults, and a `PORTS` object of
 * every environment's ports. Also the settings view both settings targets
 * render from (settings-py.ts shares it).
 */
import { PortbookError } from '../support/errors.js';
import { hashComment } from './comments.js';
import type { Target, TargetOptions } from './target.js';
import type { Model } from './view.js';

/** A JavaScript/TypeScript string literal. */
export function jsString(value: unknown): string {
  return JSON.stringify(String(value))
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Comment text for `/* … *\/` and `/** … *\/` blocks: one line, no terminator. */
export function blockComment(text: unknown): string {
  return hashComment(text).replace(/\*\//g, '*\\/');
}

/**
 * The variable that chooses the environment at run time, unless the config
 * names another. Not `NODE_ENV`: test runners set that to `test` and bundlers
 * to `production` for reasons of their own, and Python programs do not read it.
 */
export const defaultEnvironmentVariable = 'PORTBOOK_ENV';

/** One top-level constant: a port (`number`/`int`) or a host or health-check path (`string`/`str`). */
export interface SettingsConstant {
  variable: string;
  port: boolean;
  /** The configured environment's value: what settings.ts falls back to when the selected environment has none. */
  fallback: number | string;
  /** Every environment of `PORTS` has a value for it, so it is defined whichever is selected. */
  everywhere: boolean;
}

/** What both settings templates see besides the model, as `settings`. */
export interface SettingsView {
  /** The variable that chooses the environment at run time (`PORTBOOK_ENV`). */
  selector: string;
  /** The configured environment's key: the one that applies when the selector is unset. */
  fallback: string;
  /** The configured environment's services, each with its constants. */
  services: Array<{ name: string; description: string; constants: SettingsConstant[] }>;
  /** Every environment's hosts and health-check paths among the constants, by environment; empty when there are none. */
  texts: Array<{ key: string; values: Array<{ variable: string; value: string }> }>;
  /** Some constant is a host or health-check path. */
  hasTexts: boolean;
  /** Some constant is missing from some environment. */
  partial: boolean;
}

/** The settings view: the configured environment's constants, and what each environment gives them. */
export function settingsView(model: Model, options: TargetOptions): SettingsView {
  const selector = options.settings.environmentVariable ?? defaultEnvironmentVariable;
  const values = model.environments.map((environment) => {
    const found = new Map<string, number | string>();
    for (const service of environment.services) {
      found.set(service.variable, service.port);
      if (service.host !== undefined) found.set(service.hostVariable, service.host);
      if (service.healthPath !== undefined) found.set(service.healthVariable, service.healthPath);
    }
    return { key: environment.key, found };
  });
  const owner = model.environments
    .flatMap((environment) => environment.services)
    .find((service) => [service.variable, service.hostVariable, service.healthVariable].includes(selector));
  if (owner && values.some(({ found }) => found.has(selector))) {
    throw new PortbookError(
      `settings.environmentVariable in the config is \`${selector}\`, which is also the variable of a service (\`${owner.name}\`): choose another name for the variable that selects the environment`,
    );
  }
  const constant = (variable: string, value: number | string): SettingsConstant => ({
    variable,
    port: typeof value === 'number',
    fallback: value,
    everywhere: values.every(({ found }) => found.has(variable)),
  });
  const services = model.primary.services.map((service) => ({
    name: service.name,
    description: service.description,
    constants: [
      constant(service.variable, service.port),
      ...(service.host !== undefined ? [constant(service.hostVariable, service.host)] : []),
      ...(service.healthPath !== undefined ? [constant(service.healthVariable, service.healthPath)] : []),
    ],
  }));
  const textVariables = services.flatMap((service) => service.constants.filter((each) => !each.port).map((each) => each.variable));
  const texts = values
    .map(({ key, found }) => ({
      key,
      values: textVariables.flatMap((variable) => (found.has(variable) ? [{ variable, value: String(found.get(variable)) }] : [])),
    }))
    .filter((environment) => environment.values.length > 0);
  return {
    selector,
    fallback: model.primary.key,
    services,
    texts,
    hasTexts: textVariables.length > 0,
    partial: services.some((service) => service.constants.some((each) => !each.everywhere)),
  };
}

/** The contexts made in this run, by model and options: settings.ts and settings.py share one view, made once. */
const contexts = new WeakMap<Model, { options: TargetOptions; context: Model & { settings: SettingsView } }>();

/** A settings file's context: the model and, as `settings`, the settings view (the same object for the same model and options). */
export function settingsContext(model: Model, options: TargetOptions): Model & { settings: SettingsView } {
  const made = contexts.get(model);
  if (made?.options === options) return made.context;
  const context = { ...model, settings: settingsView(model, options) };
  contexts.set(model, { options, context });
  return context;
}

export const settingsTs: Target<'settings.ts'> = {
  id: 'settings.ts',
  summary:
    "constants of `settings.environment`'s services, each read from the process environment when imported, with the registry's value as default (a port that is not one throws); `PORTBOOK_ENV` (`settings.environmentVariable`) chooses the environment at run time; and `PORTS`, every environment's ports; compiles under `tsc --strict`",
  paths: '`settings.ts` (`settings.paths.ts`)',
  byDefault: true,
  template: 'settings.ts.hbs',
  comment: '//',
  helpers: { jsString, blockComment },
  outputs: ({ model, options }) => [{ path: options.settings.paths?.ts ?? 'settings.ts', context: settingsContext(model, options) }],
};
