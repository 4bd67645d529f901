/**
 * The validate stage's rules, as a table: each a catalogue id
 * (diagnostics/rules.ts: severity, summary, documentation) and a check that
 * reports at the offending cell. Messages say what is wrong, the value, and
 * what to do. The order is the order rules run in.
 */
import type { Rule } from '../rule.js';
import { commentsRules } from './comments.js';
import { composeRules } from './compose.js';
import { detailsRules } from './details.js';
import { domainsRules } from './domains.js';
import { mentionsRules } from './mentions.js';
import { namesRules } from './names.js';
import { portsRules } from './ports.js';
import { protocolsRules } from './protocols.js';
import { registryRules } from './registry.js';
import { urlsRules } from './urls.js';

/** Every rule, grouped by what it reads. */
export const rules: readonly Rule[] = [
  ...registryRules,
  ...portsRules,
  ...namesRules,
  ...protocolsRules,
  ...domainsRules,
  ...urlsRules,
  ...detailsRules,
  ...composeRules,
  ...mentionsRules,
  ...commentsRules,
];
