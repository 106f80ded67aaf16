import { describe, expect, it } from 'vitest';
import { MESSAGE_AREAS } from '../../lib/i18n/catalogue.js';
import { engineMessage, renderMessage, storeMessage } from '../../lib/i18n/engine-message.js';
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
    const placeholders = (text: string) => [...new Set([...text.matchAll(/\{(\w+)(?:\}|, plural,)/g)].map((match) => match[1]))].sort();
    for (const area of MESSAGE_AREAS) {
      for (const key of Object.keys(area.en)) expect(placeholders(area['zh-CN'][key]!), key).toEqual(placeholders(area.en[key]!));
    }
  });

  it('fills placeholders', () => {
    expect(translator('en')('app.syncCenter')).toBe('Sync center');
  });

  it('picks the plural form the language asks for', () => {
    const en = translator('en');
    const template = 'engine.test.plural' as Parameters<typeof en>[0];
    // An unknown key falls back to itself, so a template can be tried through the same path.
    expect(en(template, { count: 1 })).toBe('engine.test.plural');
    expect(en('engine.hold.deletionsExceed', { count: 1, threshold: 5 })).toBe('1 deletion exceeds the threshold of 5; confirm or cancel them');
    expect(en('engine.hold.deletionsExceed', { count: 10, threshold: 5 })).toMatch(/^10 deletions exceed/);
    expect(translator('zh-CN')('engine.hold.deletionsExceed', { count: 1, threshold: 5 })).toBe('1 项删除超过阈值 5，请确认或取消');
  });
});

describe('engine messages', () => {
  it('stores a code with parameters and renders it in the reader’s language', () => {
    const stored = storeMessage(engineMessage('engine.hold.deletionsExceed', { count: 3, threshold: 2 }));
    expect(renderMessage(translator('en'), stored)).toBe('3 deletions exceed the threshold of 2; confirm or cancel them');
    expect(renderMessage(translator('zh-CN'), stored)).toBe('3 项删除超过阈值 2，请确认或取消');
  });

  it('shows text stored before messages had codes as it is', () => {
    expect(renderMessage(translator('zh-CN'), 'HTTP 500 Internal Server Error')).toBe('HTTP 500 Internal Server Error');
    expect(renderMessage(translator('en'), null)).toBe('');
  });
});
