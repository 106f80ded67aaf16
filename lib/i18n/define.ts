/**
 * One area's strings in both languages. The type makes zh-CN list exactly the keys of en, so a
 * missing translation fails the type check as well as the catalogue test.
 */
export function defineMessages<const Keys extends string>(messages: { en: Record<Keys, string>; 'zh-CN': Record<NoInfer<Keys>, string> }) {
  return messages;
}
