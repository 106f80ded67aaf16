import { defineMessages } from '../define.js';

/**
 * What the engine writes for admins (reasons, log errors and notes, connection-test steps),
 * stored as `engine.*` keys with parameters (see engine-message.ts) and rendered per reader.
 */
export const engineMessages = defineMessages({
  en: {
    'engine.hold.deletionsExceed': '{count, plural, one {# deletion exceeds} other {# deletions exceed}} the threshold of {threshold}; confirm or cancel them',
  },
  'zh-CN': {
    'engine.hold.deletionsExceed': '{count} 项删除超过阈值 {threshold}，请确认或取消',
  },
});
