import { defineMessages } from '../define.js';

/** A push manual sync that reads the downstream (reconciliation), its "trust the links" option, and downstream listings. */
export const reconcileMessages = defineMessages({
  en: {
    'sync.trustLinks': 'Trust the links (faster)',
    'sync.trustLinks.hint':
      'A manual sync reads what the downstream app holds for every object in scope and repairs what is missing or differs. Trust the links skips that read: objects unchanged since they were last sent are not checked, so a downstream that lost or changed data is not repaired.',
    'run.trustLinks': 'Trusting the links (downstream not read)',
    'engine.verify.listingBound': 'Listing {path} stopped after {listed} objects (the bound is {bound}): downstream objects beyond it were not verified',
    'engine.verify.listingRepeats': 'Listing {path} answered with objects it had already listed (it ignores startIndex): downstream objects after the first {listed} were not verified',
  },
  'zh-CN': {
    'sync.trustLinks': '信任关联记录（更快）',
    'sync.trustLinks.hint':
      '手动同步会读取下游应用中范围内每个对象的实际数据，补建缺失的对象并修正不一致的属性。“信任关联记录”跳过这次读取：自上次发送后未变化的对象不再核对，下游丢失或被改动的数据不会被修复。',
    'run.trustLinks': '信任关联记录（未读取下游）',
    'engine.verify.listingBound': '列出 {path} 时在 {listed} 个对象后停止（上限 {bound}）：超出部分的下游对象未核对',
    'engine.verify.listingRepeats': '列出 {path} 时返回了已列出的对象（下游忽略 startIndex）：前 {listed} 个之后的下游对象未核对',
  },
});
