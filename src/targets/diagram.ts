/** The architecture diagram: Mermaid, environments as subgraphs, domains → nginx → services. */
import { hashComment } from './comments.js';
import type { Target } from './target.js';

/** Text inside a quoted Mermaid label: one line, with quotes and markup as Mermaid entity codes. */
export function mermaidText(text: unknown): string {
  return hashComment(text).replace(/[#"<>&]/g, (char) => `#${char.codePointAt(0)};`);
}

/** Node ids: every id the diagram uses is made here, from identifiers already reduced to `[a-z0-9_]`. */
export const diagramNodes = {
  service: (environmentKey: string, snakeName: string): string => `${environmentKey}_${snakeName}`,
  site: (environmentKey: string, index: number): string => `site_${environmentKey}_${index}`,
  environment: (environmentKey: string): string => `env_${environmentKey}`,
  sites: (environmentKey: string): string => `nginx_${environmentKey}`,
};

/** Where the registry's own diagram block gets its text from. */
export const diagramFile = 'architecture.mmd';

export const diagram: Target<'diagram'> = {
  id: 'diagram',
  summary:
    "a Mermaid flowchart: the internet, each environment's nginx with its domains and SSL state, each service with its port, grouped by environment (also written between `<!-- portbook:diagram -->` markers in the registry)",
  paths: '`architecture.mmd`',
  byDefault: true,
  template: 'architecture.mmd.hbs',
  comment: '%%',
  helpers: { mermaidText },
  outputs: ({ model }) => [{ path: diagramFile, context: model }],
};
