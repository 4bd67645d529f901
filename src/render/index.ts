/**
 * Stage 4, render: registry → file contents, in memory.
 *
 * Each target of the target table (targets/) that the config enables fans the
 * view model out into its files (one `.env` per environment, one drop-in per
 * service…), rendered from its template or serialised by the target itself.
 * Any other template in the project's `templates/` renders once, with the
 * whole model, to its own name without `.hbs`. Every file gets a header in
 * its own comment syntax; output is LF-only and in a stable order.
 */
import type { RenderOptions } from '../config/load.js';
import type { Registry } from '../registry/types.js';
import { PortbookError } from '../support/errors.js';
import { lfLineEnds } from '../support/lines.js';
import { stamp } from '../support/stamp.js';
import { commentStyleFor, header } from '../targets/comments.js';
import { buildModel, type TargetId, targets } from '../targets/index.js';
import type { TemplateSet } from './templates.js';

export { builtinTemplatesDir, compileTemplates, loadTemplates, type TemplateSet } from './templates.js';

/** One rendered file and the target it belongs to (`undefined`: a project template's own output). */
export interface RenderedFile {
  content: string;
  target: TargetId | undefined;
}

/** LF only, no trailing blank lines, exactly one final newline. */
export function normalise(text: string): string {
  const lf = lfLineEnds(text);
  const trimmed = trailingBlank.test(lf) ? lf.replace(/[ \t]+$/gm, '') : lf;
  // by hand: /\n*$/ tries a match at every position of the file, a tenth of rendering 2,000 services
  let start = 0;
  while (trimmed.charCodeAt(start) === 10) start++;
  let end = trimmed.length;
  while (end > start && trimmed.charCodeAt(end - 1) === 10) end--;
  return start === end ? '' : `${trimmed.slice(start, end)}\n`;
}

/**
 * A space or a tab at the end of a line of LF-only text: where `$` (with the m
 * flag) can follow one. Most rendered files have none, and this test, without
 * a quantifier, is a fraction of the trimming pattern's time, which tries a
 * match at every run of blanks (the indentation of a large registry.json).
 */
const trailingBlank = /[ \t](?:[\n\u2028\u2029]|$)/;

export interface RenderInput {
  registry: Registry;
  options: RenderOptions;
  templates: TemplateSet;
  /** The source path as headers show it. */
  source: string;
}

/** Render every enabled target and project template: out-relative POSIX path → file, sorted by path. */
export function renderFiles({ registry, options, templates, source }: RenderInput): Map<string, RenderedFile> {
  const model = buildModel(registry, options, source);
  const files = new Map<string, RenderedFile>();
  const targetTemplates = new Set(targets.flatMap((target) => [...(target.template ? [target.template] : []), ...(target.extraTemplates ?? [])]));
  for (const target of targets) {
    if (!options.targets.includes(target.id)) continue;
    // one header per target and run: the source is the same for each of its files
    const head = header(target.comment, source);
    for (const output of target.outputs({ model, registry, options })) {
      const body = 'content' in output ? output.content : templates.render(output.template ?? target.template!, output.context);
      files.set(output.path, { content: stamp(head + normalise(body)), target: target.id });
    }
  }
  for (const name of templates.sources.keys()) {
    if (targetTemplates.has(name) || name.startsWith('_')) continue;
    const path = name.slice(0, -'.hbs'.length);
    // `.portbook*` names are kept for portbook's own state (the manifest)
    if (files.has(path) || path.startsWith('.portbook')) {
      throw new PortbookError(`${templates.sources.get(name)!.file}: it would write ${path}, which portbook already writes; rename the template`);
    }
    files.set(path, { content: stamp(header(commentStyleFor(path), source) + normalise(templates.render(name, model))), target: undefined });
  }
  refuseNestedPaths(files, templates);
  return new Map([...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** `renderFiles`, contents only. */
export function render(input: RenderInput): Map<string, string> {
  return new Map([...renderFiles(input)].map(([path, file]) => [path, file.content]));
}

/** An output may not stand where another output needs a directory (`nginx` beside `nginx/portbook.conf`). */
function refuseNestedPaths(files: ReadonlyMap<string, RenderedFile>, templates: TemplateSet): void {
  const directories = new Set<string>();
  for (const path of files.keys()) {
    // each directory above it, deepest first, until one already known (whose own are known too)
    for (let end = path.lastIndexOf('/'); end > 0; end = path.lastIndexOf('/', end - 1)) {
      const directory = path.slice(0, end);
      if (directories.has(directory)) break;
      directories.add(directory);
    }
  }
  for (const path of files.keys()) {
    if (!directories.has(path)) continue;
    const template = templates.sources.get(`${path}.hbs`);
    throw new PortbookError(`${template?.file ?? path}: it would write ${path}, where other outputs need a directory; rename the template`);
  }
}
