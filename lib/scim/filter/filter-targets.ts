/**
 * What a filterable SCIM attribute is in SQL. Every `sql` here is a fixed expression written in
 * this package (a column or a function of columns); values from a request are always bound.
 */
export type ValueType = 'string' | 'boolean' | 'dateTime' | 'integer';

/** A singular attribute stored in a column (or an expression over columns). */
export interface ColumnTarget {
  kind: 'column';
  sql: string;
  type: ValueType;
  caseExact: boolean;
  /** For a case-insensitive string: the stored `foldCase` copy that filters and sorts compare. */
  foldSql?: string;
}

/** A singular complex attribute (name, manager, meta): only `pr` applies to it as a whole. */
export interface ComplexTarget {
  kind: 'complex';
  /** True when any part is present. */
  presentSql: string;
}

/**
 * A multi-valued attribute in a child table (emails, phoneNumbers, orgIds, members) or a value
 * held by a related row (department = the primary org's name). Filters become EXISTS subqueries.
 */
export interface RelatedTarget {
  kind: 'related';
  /** `FROM` clause (table, alias and joins) for the alias the compiler picks. */
  from: (alias: string) => string;
  /** Ties the related row to the resource row. */
  link: (alias: string) => string;
  subs: Record<string, (alias: string) => ColumnTarget>;
  /** The sub-attribute compared when the filter names the attribute alone (`emails eq "…"`). */
  defaultSub: string;
}

/** A common attribute this resource never has (e.g. an Organization's externalId). */
export interface AbsentTarget {
  kind: 'absent';
}

export type FilterTarget = ColumnTarget | ComplexTarget | RelatedTarget | AbsentTarget;

/** Keys are canonical attribute paths (see `resolvePath`); related targets are keyed by the attribute. */
export type TargetMap = Readonly<Record<string, FilterTarget>>;

/**
 * A column target. A case-insensitive string compares its folded copy: `alias.column_fold` for a
 * plain column, or the `foldSql` given for an expression (there is no other way to fold the
 * same on both databases, so a missing copy is a programming error, caught at load).
 */
export function column(sql: string, type: ValueType = 'string', caseExact = false, foldSql?: string): ColumnTarget {
  if (type !== 'string' || caseExact) return { kind: 'column', sql, type, caseExact };
  const fold = foldSql ?? (/^\w+\.\w+$/.test(sql) ? `${sql}_fold` : undefined);
  if (!fold) throw new Error(`the case-insensitive filter target ${sql} needs the SQL of its folded copy`);
  return { kind: 'column', sql, type, caseExact, foldSql: fold };
}

/** How a column target sorts: case-insensitive strings by their folded copy. */
export function sortExpression(target: ColumnTarget): string {
  return target.foldSql ?? target.sql;
}
