import { describe, expect, it } from 'vitest';
import { canonicalDn, unescapeDnValue, childDn, equalityFilter, escapeDnValue, escapeFilterValue, isUnder, parentOf, sameDn, splitDn } from '../../../../lib/connectors/ldap/dn.js';

describe('LDAP names built from directory data', () => {
  it.each([
    ['Sales', 'Sales'],
    ['Sales, EMEA', 'Sales\\, EMEA'],
    ['a+b=c', 'a\\+b\\=c'],
    ['"quoted" <x>;', '\\"quoted\\" \\<x\\>\\;'],
    ['back\\slash', 'back\\\\slash'],
    [' leading', '\\ leading'],
    ['#hash', '\\#hash'],
    ['trailing ', 'trailing\\ '],
    ['研发部', '研发部'],
  ])('escapes %j in a DN as %j (RFC 4514)', (value, escaped) => {
    expect(escapeDnValue(value)).toBe(escaped);
  });

  it.each([
    ['*)(uid=*', '\\2a\\29\\28uid=\\2a'],
    ['a\\b', 'a\\5cb'],
    ['nul\u0000', 'nul\\00'],
  ])('escapes %j in a filter as %j (RFC 4515)', (value, escaped) => {
    expect(escapeFilterValue(value)).toBe(escaped);
  });

  it('builds and takes apart DNs without splitting escaped commas', () => {
    const dn = childDn('ou', 'Sales, EMEA', 'ou=HQ,dc=example,dc=test');
    expect(dn).toBe('ou=Sales\\, EMEA,ou=HQ,dc=example,dc=test');
    expect(splitDn(dn)).toEqual(['ou=Sales\\, EMEA', 'ou=HQ', 'dc=example', 'dc=test']);
    expect(parentOf(dn)).toBe('ou=HQ,dc=example,dc=test');
    expect(equalityFilter('ou', 'Sales, EMEA')).toBe('(ou=Sales, EMEA)');
  });

  it('compares DNs case-insensitively and knows what is under what', () => {
    expect(sameDn('OU=HQ, DC=Example,DC=test', 'ou=hq,dc=example,dc=test')).toBe(true);
    expect(isUnder('uid=a,ou=HQ,dc=example,dc=test', 'DC=example,dc=test')).toBe(true);
    expect(isUnder('dc=example,dc=test', 'dc=example,dc=test')).toBe(true);
    expect(isUnder('ou=HQ,dc=other,dc=test', 'dc=example,dc=test')).toBe(false);
    expect(isUnder('dc=test', 'dc=example,dc=test')).toBe(false);
  });

  it('reads the escapes a server writes back as the ones we write (a comma as \\2c, UTF-8 as hex bytes)', () => {
    expect(sameDn('ou=研发部\\2c 北京,dc=example,dc=test', 'ou=研发部\\, 北京,dc=example,dc=test')).toBe(true);
    expect(sameDn('ou=\\e7\\a0\\94,dc=test', 'ou=研,dc=test')).toBe(true);
    expect(sameDn('ou=a\\2c b,dc=test', 'ou=a\\2b b,dc=test')).toBe(false);
    expect(isUnder('uid=x,ou=R\\2c D,dc=test', 'ou=R\\, D,dc=test')).toBe(true);
    expect(canonicalDn('OU=Sales\\, EMEA , DC=Test')).toEqual(['ou=sales, emea', 'dc=test']);
    expect(unescapeDnValue('\\e7\\a0\\94\\2c A\\+B')).toBe('研, A+B');
  });
});
