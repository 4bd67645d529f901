/** Rules about the free text the outputs keep in their comments: descriptions, purposes and names. */
import type { Field } from '../../registry/types.js';
import { isCutInComments, maxCommentLength } from '../../targets/comments.js';
import type { Rule } from '../rule.js';
import { externalOwner, label } from '../rule.js';

export const commentsRules: readonly Rule[] = [
  {
    id: 'comment-truncated',
    check(context) {
      // `owner` is asked only for a report: every row is checked
      const cut = (field: Field<string> | undefined, what: string, owner?: () => string): void => {
        if (!field || !isCutInComments(field.value)) return;
        context.report(
          `Unexpected ${what} of ${Array.from(field.value).length} characters${owner === undefined ? '' : ` for ${owner()}`}, expected at most ${maxCommentLength}: ` +
            `the comments of the outputs keep its first ${maxCommentLength} and end it with \`…\`; ` +
            'shorten it, and keep the rest in the text around the table (the registry itself is never cut)',
          field.position,
        );
      };
      for (const service of context.registry.services) {
        cut(service.name, 'service name');
        cut(service.description, 'description', () => label(service));
      }
      for (const access of context.registry.externalAccess) cut(access.purpose, 'purpose', () => externalOwner(access));
    },
  },
];
