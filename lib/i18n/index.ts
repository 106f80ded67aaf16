import { CATALOGUES, type MessageKey } from './catalogue.js';

export type Locale = 'zh-CN' | 'en';
export type { MessageKey };
export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

export const LOCALES: readonly Locale[] = ['zh-CN', 'en'];
export { CATALOGUES };

/** `{name}` placeholders are filled from params; a missing key shows itself, never crashes. */
export function translator(locale: Locale): Translate {
  const catalogue = CATALOGUES[locale];
  return (key, params) => {
    const template = catalogue[key] ?? CATALOGUES.en[key] ?? key;
    return params ? template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole)) : template;
  };
}
