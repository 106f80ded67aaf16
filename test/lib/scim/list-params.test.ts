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
