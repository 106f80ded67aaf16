import { describe, expect, it } from 'vitest';
import { listParamsFromBody, listParamsFromQuery } from '../../../lib/scim/query/list-params.js';
import { URN } from '../../../lib/scim/urns.js';

describe('listParamsFromQuery', () => {
  it('defaults to startIndex 1, count 100, ascending', () => {
    expect(listParamsFromQuery({})).toEqual({ startIndex: 1, count: 100, sortOrder: 'ascending', filter: undefined, sortBy: undefined, attributes: undefined, excludedAttributes: undefined });
  });

  it('caps count at 1000 and splits attribute lists', () => {
    expect(listParamsFromQuery({ count: '5000', attributes: 'userName, emails.value' })).toMatchObject({ count: 1000, attributes: ['userName', 'emails.value'] });
  });

  it('refuses a repeated parameter', () => {
    expect(() => listParamsFromQuery({ filter: ['a', 'b'] })).toThrow(/given once/);
  });
});

describe('listParamsFromBody', () => {
  it('reads a SearchRequest with numbers and arrays', () => {
    expect(listParamsFromBody({ schemas: [URN.searchRequest], startIndex: 3, count: 7, attributes: ['id'], sortOrder: 'DESCENDING' })).toMatchObject({
      startIndex: 3,
      count: 7,
      attributes: ['id'],
      sortOrder: 'descending',
    });
  });

  it('refuses a body that is not an object', () => {
    expect(() => listParamsFromBody('filter')).toThrow(/SearchRequest/);
  });
});

describe('RFC 9865 cursor parameters', () => {
  const scimTypeOf = (run: () => unknown) => {
    try {
      run();
    } catch (error) {
      return (error as { scimType?: string }).scimType;
    }
    return 'no error';
  };

  it('reads an empty cursor as the first cursor page, with the default or given count', () => {
    expect(listParamsFromQuery({ cursor: '' })).toMatchObject({ cursor: '', count: 100, startIndex: 1 });
    expect(listParamsFromQuery({ cursor: 'c1.abc_-.x~y', count: '25' })).toMatchObject({ cursor: 'c1.abc_-.x~y', count: 25 });
    expect(listParamsFromBody({ cursor: 'c1.a.b', count: 7, filter: 'userName pr' })).toMatchObject({ cursor: 'c1.a.b', count: 7, filter: 'userName pr' });
    expect(listParamsFromQuery({}).cursor).toBeUndefined();
  });

  it('refuses a count below 1 (invalidCount), startIndex beside a cursor (invalidValue) and characters outside the unreserved set (invalidCursor)', () => {
    expect(scimTypeOf(() => listParamsFromQuery({ cursor: '', count: '0' }))).toBe('invalidCount');
    expect(scimTypeOf(() => listParamsFromBody({ cursor: '', count: -1 }))).toBe('invalidCount');
    expect(scimTypeOf(() => listParamsFromQuery({ cursor: '', startIndex: '2' }))).toBe('invalidValue');
    expect(scimTypeOf(() => listParamsFromQuery({ cursor: 'a/b' }))).toBe('invalidCursor');
    expect(scimTypeOf(() => listParamsFromQuery({ cursor: 'x'.repeat(3000) }))).toBe('invalidCursor');
    expect(scimTypeOf(() => listParamsFromBody({ cursor: 5 }))).toBe('invalidSyntax');
  });
});
