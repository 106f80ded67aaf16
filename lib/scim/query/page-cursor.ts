import { createHash, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { ScimError } from '../scim-error.js';

/** RFC 9865 `cursorTimeout`: how long a cursor stays valid after the page that issued it. */
export const CURSOR_TIMEOUT_SECONDS = 3600;
/** Longer values are refused before any decoding (a cursor we issue is about 200 characters). */
export const MAX_CURSOR_LENGTH = 2048;
const VERSION = 'c1';

/** Where a keyset page starts: strictly after (`next`) or before (`previous`) this row. */
export interface CursorPosition {
  direction: 'next' | 'previous';
  /** The row's sort value (absent when the list is in id order); null sorts last ascending. */
  sortValue?: string | number | boolean | null;
  id: string;
}

/** What a cursor is bound to: the same resource type, query and puller (source and scope). */
export interface CursorBinding {
  resourceType: string;
  sourceId: string;
  /** The filter, sort and scope the walk began with, as one string (hashed into the cursor). */
  query: string;
}

interface Payload {
  /** Hash of the binding. */
  b: string;
  /** 'n' or 'p'. */
  d: 'n' | 'p';
  /** [sortValue, id] or [id]. */
  k: Array<string | number | boolean | null>;
  /** Expiry, epoch seconds. */
  e: number;
}

/**
 * Opaque, tamper-evident RFC 9865 cursors: base64url JSON of the keyset position, bound to the
 * query and the puller and signed with an HMAC under a key derived from the center's secret.
 * Only unreserved characters (RFC 3986 §2.2) appear in it. A cursor never widens what a
 * puller sees: the page it starts is read through the same filter and scope as every other.
 */
export class CursorCodec {
  readonly #key: Buffer;

  constructor(
    secret: string,
    private readonly clock: () => Date,
    private readonly timeoutSeconds = CURSOR_TIMEOUT_SECONDS,
  ) {
    this.#key = Buffer.from(hkdfSync('sha256', secret, 'scim-sync-center', 'scim-page-cursor/v1', 32));
  }

  encode(position: CursorPosition, binding: CursorBinding): string {
    const payload: Payload = {
      b: bindingHash(binding),
      d: position.direction === 'next' ? 'n' : 'p',
      k: 'sortValue' in position ? [position.sortValue ?? null, position.id] : [position.id],
      e: Math.floor(this.clock().getTime() / 1000) + this.timeoutSeconds,
    };
    const body = Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
    return `${VERSION}.${body}.${this.#sign(body)}`;
  }

  /** The position a cursor names; invalidCursor (400) unless it is ours, intact and for this query; expiredCursor once it is too old. */
  decode(cursor: string, binding: CursorBinding): CursorPosition {
    const parts = cursor.split('.');
    if (cursor.length > MAX_CURSOR_LENGTH || parts.length !== 3 || parts[0] !== VERSION) throw invalidCursor('the cursor was not issued by this server');
    const [, body, signature] = parts as [string, string, string];
    const expected = Buffer.from(this.#sign(body), 'utf8');
    const given = Buffer.from(signature, 'utf8');
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw invalidCursor('the cursor was not issued by this server or has been altered');
    const payload = parsePayload(body);
    if (payload.b !== bindingHash(binding)) {
      throw invalidCursor('the cursor belongs to another query: send the same filter, sortBy and sortOrder as the request that returned it, with the same credentials');
    }
    if (payload.e * 1000 < this.clock().getTime()) {
      throw new ScimError(400, `the cursor has expired (cursors are valid for ${this.timeoutSeconds} seconds); start again without a cursor value`, 'expiredCursor');
    }
    const direction = payload.d === 'n' ? 'next' : 'previous';
    const id = payload.k[payload.k.length - 1];
    if (typeof id !== 'string') throw invalidCursor('the cursor is malformed');
    return payload.k.length === 2 ? { direction, sortValue: payload.k[0], id } : { direction, id };
  }

  #sign(body: string): string {
    return createHmac('sha256', this.#key).update(`${VERSION}.${body}`).digest('base64url');
  }
}

function invalidCursor(detail: string): ScimError {
  return new ScimError(400, detail, 'invalidCursor');
}

function bindingHash(binding: CursorBinding): string {
  return createHash('sha256').update(JSON.stringify([binding.resourceType, binding.sourceId, binding.query])).digest('base64url').slice(0, 22);
}

function parsePayload(body: string): Payload {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor('the cursor is malformed');
  }
  const payload = value as Partial<Payload> | null;
  const keyPart = (part: unknown) => part === null || ['string', 'number', 'boolean'].includes(typeof part);
  if (
    typeof payload !== 'object' ||
    payload === null ||
    typeof payload.b !== 'string' ||
    (payload.d !== 'n' && payload.d !== 'p') ||
    typeof payload.e !== 'number' ||
    !Array.isArray(payload.k) ||
    (payload.k.length !== 1 && payload.k.length !== 2) ||
    !payload.k.every(keyPart)
  ) {
    throw invalidCursor('the cursor is malformed');
  }
  return payload as Payload;
}
