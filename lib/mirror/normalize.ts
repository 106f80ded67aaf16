import { createHash } from 'node:crypto';
import { IssueCollector } from '../errors.js';
import type { DirectoryContact, DirectoryOrg, DirectoryUser } from '../hooks/directory.js';

/**
 * The mirror's canonical forms: only known fields, no nulls, trimmed strings, sorted org ids.
 * Two inputs that mean the same thing normalise to the same value and so to the same hash,
 * which is how an identical upsert is recognised as a no-op.
 */
export interface MirrorUserData {
  id: string;
  userName: string;
  displayName?: string;
  name?: {
    givenName?: string;
    familyName?: string;
    middleName?: string;
    formatted?: string;
    honorificPrefix?: string;
    honorificSuffix?: string;
  };
  emails?: DirectoryContact[];
  phoneNumbers?: DirectoryContact[];
  active: boolean;
  title?: string;
  employeeNumber?: string;
  managerId?: string;
  orgIds: string[];
  primaryOrgId?: string;
  externalId?: string;
  locale?: string;
  preferredLanguage?: string;
  /** The host's extra fields (`DirectoryUser.attributes`), keys sorted; absent when it has none. */
  attributes?: Record<string, ExtraValue>;
}

/** An extra field's value: mappings read it as `[extra.<name>]`. */
export type ExtraValue = string | boolean | string[];

export interface MirrorOrgData {
  id: string;
  name: string;
  parentId?: string;
  order: number;
  code?: string;
}

const MAX_ID = 255;
const MAX_TEXT = 255;
/** `sync_orgs.sort_order` is a 32-bit integer column on PostgreSQL. */
const MAX_ORDER = 2_147_483_647;
const NUL = /\u0000/;
/** A UTF-16 surrogate without its pair: PostgreSQL would store U+FFFD instead, silently. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Text the databases cannot store as given: PostgreSQL refuses NUL in text (a raw driver error)
 * and replaces a lone surrogate, so either would fail or change on one database and not the other.
 */
function checkStorable(value: string, field: string, issues: IssueCollector): boolean {
  if (NUL.test(value)) issues.add(field, 'invalid_characters', `${field} must not contain NUL characters`);
  else if (LONE_SURROGATE.test(value)) issues.add(field, 'invalid_characters', `${field} must be valid Unicode text (it has an unpaired surrogate)`);
  else return true;
  return false;
}
const NAME_PARTS = ['givenName', 'familyName', 'middleName', 'formatted', 'honorificPrefix', 'honorificSuffix'] as const;
const USER_TEXT_FIELDS = ['displayName', 'title', 'employeeNumber', 'externalId', 'locale', 'preferredLanguage'] as const;

function requiredId(value: unknown, field: string, issues: IssueCollector): string {
  if (typeof value !== 'string') {
    issues.add(field, value === undefined || value === null ? 'required' : 'type', `${field} must be a non-empty string`);
    return '';
  }
  const trimmed = value.trim();
  if (trimmed === '') issues.add(field, 'required', `${field} must be a non-empty string`);
  else if (checkStorable(trimmed, field, issues) && trimmed.length > MAX_ID) issues.add(field, 'too_long', `${field} must be at most ${MAX_ID} characters`, { max: MAX_ID });
  return trimmed;
}

function optionalText(value: unknown, field: string, issues: IssueCollector, max = MAX_TEXT): string | undefined {
  const text = issues.optionalText(value, field, max);
  if (text !== undefined) checkStorable(text, field, issues);
  return text;
}

/** The id of a deletion: a non-empty string the databases can store as given. */
export function normalizeId(value: unknown, field = 'id'): string {
  const issues = new IssueCollector();
  const id = typeof value === 'string' ? value.trim() : '';
  if (id === '') issues.add(field, 'required', `${field} must be a non-empty string`);
  else checkStorable(id, field, issues);
  issues.throwIfAny();
  return id;
}

function optionalId(value: unknown, field: string, issues: IssueCollector): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  return requiredId(value, field, issues);
}

function contacts(value: unknown, field: string, issues: IssueCollector): DirectoryContact[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) {
    issues.add(field, 'type', `${field} must be an array`);
    return undefined;
  }
  const list: DirectoryContact[] = [];
  value.forEach((entry: unknown, index) => {
    const at = `${field}[${index}]`;
    if (typeof entry !== 'object' || entry === null) {
      issues.add(at, 'type', `${at} must be an object with a value`);
      return;
    }
    const { value: contactValue, type, primary } = entry as Record<string, unknown>;
    const text = optionalText(contactValue, `${at}.value`, issues, 320);
    if (text === undefined) {
      if (typeof contactValue === 'string' || contactValue === undefined || contactValue === null) {
        issues.add(`${at}.value`, 'required', `${at}.value must be a non-empty string`);
      }
      return;
    }
    const contact: DirectoryContact = { value: text };
    const contactType = optionalText(type, `${at}.type`, issues, 64);
    if (contactType) contact.type = contactType;
    if (primary !== undefined && primary !== null) {
      if (typeof primary !== 'boolean') issues.add(`${at}.primary`, 'type', `${at}.primary must be a boolean`);
      else if (primary) contact.primary = true;
    }
    list.push(contact);
  });
  return list.length > 0 ? list : undefined;
}

function orgIdList(value: unknown, issues: IssueCollector): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    issues.add('orgIds', 'type', 'orgIds must be an array of org ids');
    return [];
  }
  const ids = new Set<string>();
  value.forEach((entry: unknown, index) => {
    const id = requiredId(entry, `orgIds[${index}]`, issues);
    if (id) ids.add(id);
  });
  return [...ids].sort();
}

function notAnObject(value: unknown): boolean {
  return typeof value !== 'object' || value === null || Array.isArray(value);
}

/** Validates and normalises a host user. Throws a ValidationError naming every bad field. */
export function normalizeUser(input: DirectoryUser): MirrorUserData {
  const issues = new IssueCollector();
  if (notAnObject(input)) {
    issues.add('user', 'type', 'user must be an object');
    issues.throwIfAny();
  }
  const user: MirrorUserData = {
    id: requiredId(input.id, 'id', issues),
    userName: requiredId(input.userName, 'userName', issues),
    active: true,
    orgIds: orgIdList(input.orgIds, issues),
  };
  for (const field of USER_TEXT_FIELDS) {
    const text = optionalText(input[field], field, issues);
    if (text !== undefined) user[field] = text;
  }
  if (input.name !== undefined && input.name !== null) {
    if (notAnObject(input.name)) issues.add('name', 'type', 'name must be an object');
    else {
      const name: NonNullable<MirrorUserData['name']> = {};
      for (const part of NAME_PARTS) {
        const text = optionalText(input.name[part], `name.${part}`, issues);
        if (text !== undefined) name[part] = text;
      }
      if (Object.keys(name).length > 0) user.name = name;
    }
  }
  const emails = contacts(input.emails, 'emails', issues);
  if (emails) user.emails = emails;
  const phoneNumbers = contacts(input.phoneNumbers, 'phoneNumbers', issues);
  if (phoneNumbers) user.phoneNumbers = phoneNumbers;
  if (input.active !== undefined && input.active !== null) {
    if (typeof input.active !== 'boolean') issues.add('active', 'type', 'active must be a boolean');
    else user.active = input.active;
  }
  const managerId = optionalId(input.managerId, 'managerId', issues);
  if (managerId !== undefined) {
    if (managerId === user.id) issues.add('managerId', 'self_reference', 'managerId cannot be the user itself');
    user.managerId = managerId;
  }
  const primaryOrgId = optionalId(input.primaryOrgId, 'primaryOrgId', issues);
  if (primaryOrgId !== undefined) {
    if (!user.orgIds.includes(primaryOrgId)) issues.add('primaryOrgId', 'not_member', 'primaryOrgId must be one of orgIds');
    user.primaryOrgId = primaryOrgId;
  } else if (user.orgIds.length > 0) {
    const [firstGiven] = (input.orgIds ?? []).filter((id): id is string => typeof id === 'string');
    user.primaryOrgId = firstGiven?.trim() || user.orgIds[0];
  }
  const attributes = extraAttributes(input.attributes, issues);
  if (attributes) user.attributes = attributes;
  checkUpdatedAt(input.updatedAt, issues);
  issues.throwIfAny();
  return user;
}

const EXTRA_NAME = /^[A-Za-z][\w-]{0,63}$/;
const MAX_EXTRAS = 50;

/** The host's extra fields: named like SCIM attributes, texts, true/false or lists of texts; empty ones dropped. */
function extraAttributes(value: unknown, issues: IssueCollector): Record<string, ExtraValue> | undefined {
  if (value === undefined || value === null) return undefined;
  if (notAnObject(value)) {
    issues.add('attributes', 'type', 'attributes must be an object');
    return undefined;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > MAX_EXTRAS) issues.add('attributes', 'too_many', `attributes may hold at most ${MAX_EXTRAS} fields`, { max: MAX_EXTRAS });
  const result: Record<string, ExtraValue> = {};
  for (const [name, raw] of entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const field = `attributes.${name}`;
    if (!EXTRA_NAME.test(name)) {
      issues.add(field, 'invalid_name', 'an extra attribute is named with letters, digits, "_" or "-", starting with a letter');
      continue;
    }
    if (raw === undefined || raw === null) continue;
    if (typeof raw === 'boolean') result[name] = raw;
    else if (typeof raw === 'number' && Number.isFinite(raw)) result[name] = String(raw);
    else if (Array.isArray(raw)) {
      const texts = raw.map((item, index) => optionalText(item, `${field}.${index}`, issues)).filter((item): item is string => item !== undefined);
      if (texts.length > 0) result[name] = texts;
    } else {
      const text = optionalText(raw, field, issues);
      if (text !== undefined) result[name] = text;
    }
  }
  return Object.keys(result).length > 0 ? result : undefined;
}

/** Validates and normalises a host org (shape only; the tree is checked against the mirror). */
export function normalizeOrg(input: DirectoryOrg): MirrorOrgData {
  const issues = new IssueCollector();
  if (notAnObject(input)) {
    issues.add('org', 'type', 'org must be an object');
    issues.throwIfAny();
  }
  const org: MirrorOrgData = {
    id: requiredId(input.id, 'id', issues),
    name: requiredId(input.name, 'name', issues),
    order: 0,
  };
  const parentId = optionalId(input.parentId, 'parentId', issues);
  if (parentId !== undefined) {
    if (parentId === org.id) issues.add('parentId', 'cycle', 'an org cannot be its own parent');
    org.parentId = parentId;
  }
  if (input.order !== undefined && input.order !== null) {
    if (!Number.isInteger(input.order)) issues.add('order', 'type', 'order must be an integer');
    else if (Math.abs(input.order) > MAX_ORDER) issues.add('order', 'out_of_range', `order must be between ${-MAX_ORDER} and ${MAX_ORDER}`, { max: MAX_ORDER });
    else org.order = input.order;
  }
  const code = optionalText(input.code, 'code', issues);
  if (code !== undefined) org.code = code;
  checkUpdatedAt(input.updatedAt, issues);
  issues.throwIfAny();
  return org;
}

function checkUpdatedAt(value: unknown, issues: IssueCollector): void {
  if (value === undefined || value === null) return;
  const valid = value instanceof Date ? !Number.isNaN(value.getTime()) : typeof value === 'string' && !Number.isNaN(Date.parse(value));
  if (!valid) issues.add('updatedAt', 'type', 'updatedAt must be a Date or an ISO-8601 string');
}

export function hostUpdatedAt(value: Date | string | null | undefined): string | null {
  if (value === undefined || value === null) return null;
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

/** Content hash of a normalised object; key order does not matter. */
export function contentHash(value: unknown): string {
  return createHash('sha256').update(stableStringify(value)).digest('hex');
}

export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, entry]) => entry !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, entry]) => `${JSON.stringify(key)}:${stableStringify(entry)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
