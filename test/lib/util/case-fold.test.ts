import { describe, expect, it } from 'vitest';
import { foldCase } from '../../../lib/util/case-fold.js';

describe('foldCase', () => {
  it('folds ASCII and non-ASCII letters alike', () => {
    expect(foldCase('Alice@Example.COM')).toBe('alice@example.com');
    expect(foldCase('ÄÖÜ')).toBe(foldCase('äöü'));
    expect(foldCase('ΣΟΦΙΑ')).toBe(foldCase('σοφια'));
  });

  it('folds ß, ẞ and SS to ss, as Unicode full case folding does', () => {
    expect(foldCase('Straße')).toBe('strasse');
    expect(foldCase('STRAẞE')).toBe('strasse');
    expect(foldCase('STRASSE')).toBe('strasse');
  });

  it('folds İ to i + U+0307, equal to neither I nor i, and keeps dotless ı apart', () => {
    expect(foldCase('İ')).toBe('i\u0307');
    expect(foldCase('İ')).not.toBe(foldCase('I'));
    expect(foldCase('I')).toBe('i');
    expect(foldCase('ı')).toBe('ı');
    expect(foldCase('ı')).not.toBe(foldCase('i'));
  });

  it('folds final sigma wherever it stands, so substrings match', () => {
    expect(foldCase('ΟΔΟΣ')).toBe(foldCase('οδος'));
    expect(foldCase('οδος').endsWith(foldCase('Σ'))).toBe(true);
  });

  it('does not normalise: a decomposed Ä stays different from the precomposed one', () => {
    expect(foldCase('A\u0308')).not.toBe(foldCase('Ä'));
  });
});
