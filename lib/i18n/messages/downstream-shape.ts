import { defineMessages } from '../define.js';

/**
 * What the downstream can hold (its /ResourceTypes and /Schemas against "Send orgs as" and the
 * Org URL), and the run status that counts failures.
 */
export const downstreamShapeMessages = defineMessages({
  en: {
    'run.status.succeededWithFailureCount': 'Succeeded with {count, plural, one {# failure} other {# failures}}',
  },
  'zh-CN': {
    'run.status.succeededWithFailureCount': '完成，{count} 项失败',
  },
});
