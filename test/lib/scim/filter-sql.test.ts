import { describe, expect, it } from 'vitest';
import { compileFilter, parseFilter } from '../../../lib/scim/filter/filter-sql.js';
import { USER_TYPE, ORGANIZATION_TYPE } from '../../../lib/scim/resource-types.js';
import { ORGANIZATION_TARGETS, USER_TARGETS } from '../../../lib/scim/resources/resource-targets.js';
import { ScimError } from '../../../lib/scim/scim-error.js';

const users = (filter: string, dialect: 'pg' | 'sqlite' = 'sqlite') => compileFilter(parseFilter(filter), USER_TYPE, USER_TARGETS, dialect);

describe('compileFilter', () => {
  it('compares case-insensitive attributes by their stored folded copy with the value folded alike, so both databases agree and an index serves eq', () => {
    expect(users('userName eq "Alice"')).toMatchObject({ sql: '(u.user_name_fold IS NOT NULL AND u.user_name_fold = ?)', bindings: ['alice'] });
    expect(users('userName sw "ÄSTRASSE"', 'pg')).toMatchObject({ sql: "(u.user_name_fold IS NOT NULL AND u.user_name_fold LIKE ? ESCAPE '!')", bindings: ['ästrasse%'] });
  });

  it('binds every value and never inlines it', () => {
    const compiled = users(`externalId eq "x' OR 1=1 --"`);
    expect(compiled.sql).not.toContain('OR 1=1');
    expect(compiled.bindings).toEqual([`x' OR 1=1 --`]);
  });

  it('turns multi-valued attributes and value paths into EXISTS subqueries', () => {
    const compiled = users('emails[type eq "work" and value co "@example.com"]');
    expect(compiled.sql).toMatch(/^EXISTS \(SELECT 1 FROM sync_user_emails f1 WHERE f1\.user_id = u\.id AND \(/);
    expect(compiled.bindings).toEqual(['work', '%@example.com%']);
  });

  it('escapes LIKE wildcards in co, sw and ew', () => {
    expect(users('userName co "50%_off!"').bindings).toEqual(['%50!%!_off!!%']);
  });

  it('uses GLOB for case-exact substring matches on sqlite and LIKE on PostgreSQL', () => {
    expect(users('externalId sw "A*"').sql).toContain('GLOB ?');
    expect(users('externalId sw "A*"').bindings).toEqual(['A[*]*']);
    expect(users('externalId sw "A%"', 'pg').sql).toContain("LIKE ? ESCAPE '!'");
  });

  it('normalises dateTime values to the stored ISO form', () => {
    expect(users('meta.lastModified gt "2026-03-01T10:00:00+02:00"').bindings).toEqual(['2026-03-01T08:00:00.000Z']);
  });

  it('reports the attributes it names, so the server knows an incremental pull', () => {
    expect([...users('meta.lastModified gt "2026-01-01T00:00:00Z" and emails.type eq "work"').attributes]).toEqual(['meta.lastModified', 'emails.type']);
  });

  it('resolves attribute names and URNs case-insensitively', () => {
    expect(users('URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:EMPLOYEENUMBER eq "1"').sql).toContain('u.employee_number');
  });

  it('keeps ne and not in two-valued logic, so rows without the attribute match them', () => {
    expect(users('title ne "CEO"').sql).toBe('NOT (u.title_fold IS NOT NULL AND u.title_fold = ?)');
  });

  it('throws invalidFilter for attributes of another resource type', () => {
    const error = (() => {
      try {
        compileFilter(parseFilter('userName eq "a"'), ORGANIZATION_TYPE, ORGANIZATION_TARGETS, 'sqlite');
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(ScimError);
    expect(error).toMatchObject({ status: 400, scimType: 'invalidFilter' });
  });

  it('refuses more than 64 comparisons', () => {
    const many = Array.from({ length: 65 }, (_, i) => `id eq "${i}"`).join(' or ');
    expect(() => users(many)).toThrow(/more than 64 comparisons/);
  });
});
