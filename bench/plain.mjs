// The baseline the issue measures against: a plain script that loads unified,
// remark-parse, remark-gfm and handlebars, parses the registry and renders one
// .env template. It validates nothing and writes one file.
import { readFileSync, writeFileSync } from 'node:fs';
import Handlebars from 'handlebars';
import { toString as nodeText } from 'mdast-util-to-string';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import { unified } from 'unified';

const [source, out] = process.argv.slice(2);
const tree = unified().use(remarkParse).use(remarkGfm).parse(readFileSync(source, 'utf8'));
const services = [];
for (const node of tree.children) {
  if (node.type !== 'table') continue;
  for (const row of node.children.slice(1)) {
    const [name, port] = row.children.map((cell) => nodeText(cell).trim());
    services.push({ name: name.toUpperCase().replace(/[^A-Z0-9]+/g, '_'), port });
  }
}
const template = Handlebars.compile('{{#each services}}{{name}}_PORT={{port}}\n{{/each}}', { noEscape: true });
writeFileSync(out, template({ services }));
