import { describe, expect, it } from 'vitest';
import { MESSAGE_AREAS } from '../../lib/i18n/catalogue.js';
import { translator } from '../../lib/i18n/index.js';

describe('i18n catalogues', () => {
  it('has every key in both zh-CN and en, none empty', () => {
    for (const area of MESSAGE_AREAS) {
      expect(Object.keys(area['zh-CN']).sort()).toEqual(Object.keys(area.en).sort());
      for (const locale of ['en', 'zh-CN'] as const) {
        for (const [key, text] of Object.entries(area[locale])) expect(text.trim(), `${locale} ${key}`).not.toBe('');
      }
    }
  });

  it('uses the same placeholders in both languages', () => {
    const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();
    for (const area of MESSAGE_AREAS) {
      for (const key of Object.keys(area.en)) expect(placeholders(area['zh-CN'][key]!), key).toEqual(placeholders(area.en[key]!));
    }
  });

  it('fills placeholders', () => {
    expect(translator('en')('app.syncCenter')).toBe('Sync center');
  });
});
