import { ScimError } from '../scim-error.js';
import { URN } from '../urns.js';
import { MAX_CURSOR_LENGTH } from './page-cursor.js';

export const DEFAULT_COUNT = 100;
/** ServiceProviderConfig's filter.maxResults: larger counts are capped and `itemsPerPage` says so. */
export const MAX_COUNT = 1000;
/**
 * Names per `attributes` / `excludedAttributes` list, and characters per name or `sortBy`. Every
 * schema here has fewer attributes than this, so only a hostile list reaches the bound; it is
 * refused before any work instead of being resolved against every resource of the page.
 */
export const MAX_ATTRIBUTE_NAMES = 100;
export const MAX_ATTRIBUTE_PATH_LENGTH = 200;

/** A list or search request after validation (RFC 7644 §3.4.2 and §3.4.3). */
export interface ListParams {
  filter?: string;
  /** 1-based. */
  startIndex: number;
  count: number;
  sortBy?: string;
  sortOrder: 'ascending' | 'descending';
  attributes?: string[];
  excludedAttributes?: string[];
  /**
   * RFC 9865 cursor paging, when the puller asks for it: '' for the first page, then a
   * `nextCursor` / `previousCursor` value. Undefined means index paging (the default).
   */
  cursor?: string;
}

/** Which attributes to return, for single-resource GETs too. */
export type Projection = Pick<ListParams, 'attributes' | 'excludedAttributes'>;

/** From a GET query string: every value is a string; repeated parameters are refused. */
export function listParamsFromQuery(query: Record<string, unknown>): ListParams {
  const get = (name: string): string | undefined => {
    const value = query[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw ScimError.invalidValue(`the query parameter "${name}" must be given once`);
    return value;
  };
  return build({
    filter: get('filter'),
    startIndex: get('startIndex'),
    count: get('count'),
    sortBy: get('sortBy'),
    sortOrder: get('sortOrder'),
    attributes: splitList(get('attributes')),
    excludedAttributes: splitList(get('excludedAttributes')),
    cursor: get('cursor'),
  });
}

export function projectionFromQuery(query: Record<string, unknown>): Projection {
  const params = listParamsFromQuery({ attributes: query.attributes, excludedAttributes: query.excludedAttributes });
  return { attributes: params.attributes, excludedAttributes: params.excludedAttributes };
}

/** From a POST …/.search body (a SearchRequest message). */
export function listParamsFromBody(body: unknown): ListParams {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw ScimError.invalidSyntax('the request body must be a SearchRequest JSON object');
  }
  const request = body as Record<string, unknown>;
  if (request.schemas !== undefined && !(Array.isArray(request.schemas) && request.schemas.includes(URN.searchRequest))) {
    throw ScimError.invalidSyntax(`a search request's "schemas" must contain "${URN.searchRequest}"`);
  }
  const text = (name: string): string | undefined => {
    const value = request[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') throw ScimError.invalidSyntax(`"${name}" must be a string`);
    return value;
  };
  const number = (name: string): string | undefined => {
    const value = request[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'number' || typeof value === 'string') return String(value);
    throw ScimError.invalidSyntax(`"${name}" must be an integer`);
  };
  const list = (name: string): string[] | undefined => {
    const value = request[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'string') return splitList(value);
    if (Array.isArray(value) && value.every((entry) => typeof entry === 'string')) return value.map((entry: string) => entry.trim()).filter(Boolean);
    throw ScimError.invalidSyntax(`"${name}" must be an array of attribute names`);
  };
  return build({
    filter: text('filter'),
    startIndex: number('startIndex'),
    count: number('count'),
    sortBy: text('sortBy'),
    sortOrder: text('sortOrder'),
    attributes: list('attributes'),
    excludedAttributes: list('excludedAttributes'),
    cursor: text('cursor'),
  });
}

interface RawParams {
  filter?: string;
  startIndex?: string;
  count?: string;
  sortBy?: string;
  sortOrder?: string;
  attributes?: string[];
  excludedAttributes?: string[];
  cursor?: string;
}

function build(raw: RawParams): ListParams {
  if (raw.cursor !== undefined) return { ...build({ ...raw, cursor: undefined, startIndex: undefined, count: undefined }), ...cursorPaging(raw) };
  if (raw.attributes?.length && raw.excludedAttributes?.length) {
    throw ScimError.invalidValue('give either "attributes" or "excludedAttributes", not both');
  }
  const sortOrder = raw.sortOrder === undefined ? 'ascending' : raw.sortOrder.toLowerCase();
  if (sortOrder !== 'ascending' && sortOrder !== 'descending') throw ScimError.invalidValue('"sortOrder" must be "ascending" or "descending"');
  const filter = raw.filter?.trim();
  return {
    filter: filter === '' ? undefined : filter,
    // RFC 7644 §3.4.2.4: below 1 means 1; a negative count means 0.
    startIndex: Math.max(1, integer(raw.startIndex, 'startIndex') ?? 1),
    count: Math.min(MAX_COUNT, Math.max(0, integer(raw.count, 'count') ?? DEFAULT_COUNT)),
    sortBy: boundedPath(raw.sortBy?.trim() || undefined, 'sortBy'),
    sortOrder,
    attributes: attributeList(raw.attributes, 'attributes'),
    excludedAttributes: attributeList(raw.excludedAttributes, 'excludedAttributes'),
  };
}

/** Bounded, and without repeats (names compare case-insensitively, RFC 7643 §2.1). */
function attributeList(names: string[] | undefined, parameter: string): string[] | undefined {
  if (!names?.length) return undefined;
  if (names.length > MAX_ATTRIBUTE_NAMES) throw ScimError.invalidValue(`"${parameter}" may name at most ${MAX_ATTRIBUTE_NAMES} attributes`);
  const unique = new Map<string, string>();
  for (const name of names) {
    boundedPath(name, parameter);
    if (!unique.has(name.toLowerCase())) unique.set(name.toLowerCase(), name);
  }
  return [...unique.values()];
}

/**
 * RFC 9865 §2: `cursor` selects cursor paging and excludes `startIndex`; `count` must then be a
 * positive integer (invalidCount otherwise); larger counts are capped as in index paging.
 */
function cursorPaging(raw: RawParams): Pick<ListParams, 'cursor' | 'startIndex' | 'count'> {
  const cursor = raw.cursor!.trim();
  if (raw.startIndex !== undefined && raw.startIndex.trim() !== '') {
    throw ScimError.invalidValue('give either "cursor" (cursor paging) or "startIndex" (index paging), not both');
  }
  if (cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9._~-]*$/.test(cursor)) throw new ScimError(400, 'the cursor is not one this server issued', 'invalidCursor');
  let count = DEFAULT_COUNT;
  if (raw.count !== undefined && raw.count.trim() !== '') {
    if (!/^\d{1,15}$/.test(raw.count.trim()) || Number(raw.count.trim()) < 1) {
      throw new ScimError(400, `with a cursor, "count" must be an integer from 1 to ${MAX_COUNT}`, 'invalidCount');
    }
    count = Math.min(MAX_COUNT, Number(raw.count.trim()));
  }
  return { cursor, startIndex: 1, count };
}

function boundedPath(path: string | undefined, parameter: string): string | undefined {
  if (path !== undefined && path.length > MAX_ATTRIBUTE_PATH_LENGTH) {
    throw ScimError.invalidValue(`"${parameter}" names an attribute longer than ${MAX_ATTRIBUTE_PATH_LENGTH} characters`);
  }
  return path;
}

function integer(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (!/^-?\d{1,15}$/.test(value.trim())) throw ScimError.invalidValue(`"${name}" must be an integer`);
  return Number(value.trim());
}

function splitList(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
}
