import { describe, expect, it } from 'vitest';
import { childDn, equalityFilter, escapeDnValue, escapeFilterValue, isUnder, parentOf, sameDn, splitDn } from '../../../../lib/connectors/ldap/dn.js';

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
});
