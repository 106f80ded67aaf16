import { CATALOGUES, type MessageKey } from './catalogue.js';

export type Locale = 'zh-CN' | 'en';
export type { MessageKey };
export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

export const LOCALES: readonly Locale[] = ['zh-CN', 'en'];
export { CATALOGUES };

/** `{count, plural, one {# deletion} other {# deletions}}`: one level, ICU's categories, `#` is the number. */
const PLURAL = /\{(\w+), plural,((?:\s*(?:=\d+|zero|one|two|few|many|other)\s*\{[^{}]*\})+)\s*\}/g;
const PLURAL_CASE = /(=\d+|zero|one|two|few|many|other)\s*\{([^{}]*)\}/g;

/**
 * `{name}` placeholders are filled from params, and `{name, plural, …}` picks the form the
 * language's plural rules give for that number; a missing key shows itself, never crashes.
 */
export function translator(locale: Locale): Translate {
  const catalogue = CATALOGUES[locale];
  const rules = new Intl.PluralRules(locale);
  return (key, params) => {
    const template = catalogue[key] ?? CATALOGUES.en[key] ?? key;
    if (!params) return template;
    const counted = template.replace(PLURAL, (whole, name: string, cases: string) => {
      const value = Number(params[name]);
      if (!(name in params) || !Number.isFinite(value)) return whole;
      const forms = new Map([...cases.matchAll(PLURAL_CASE)].map((match) => [match[1]!, match[2]!]));
      const form = forms.get(`=${value}`) ?? forms.get(rules.select(value)) ?? forms.get('other') ?? '';
      return form.replace(/#/g, String(value));
    });
    return counted.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
  };
}
