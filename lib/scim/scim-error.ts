import { URN } from './urns.js';

/** RFC 7644 §3.12 `scimType` values this server uses (and RFC 9865 §2.1's cursor errors). */
export type ScimType =
  | 'invalidFilter'
  | 'tooMany'
  | 'invalidSyntax'
  | 'invalidValue'
  | 'invalidPath'
  | 'invalidCursor'
  | 'expiredCursor'
  | 'invalidCount'
  | 'mutability'
  | 'sensitive';

/**
 * An error the SCIM server answers with. Everything thrown under the SCIM router that is not a
 * ScimError becomes a 500 with a generic detail, so no message or stack of ours leaks out.
 */
export class ScimError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly scimType?: ScimType,
    /** Extra response headers, e.g. `Allow` on 405 or `Retry-After` on 429. */
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = 'ScimError';
  }

  static invalidFilter(detail: string): ScimError {
    return new ScimError(400, detail, 'invalidFilter');
  }

  static invalidValue(detail: string): ScimError {
    return new ScimError(400, detail, 'invalidValue');
  }

  static invalidSyntax(detail: string): ScimError {
    return new ScimError(400, detail, 'invalidSyntax');
  }

  static notFound(resourceType: string, id: string): ScimError {
    return new ScimError(404, `${resourceType} ${JSON.stringify(id)} not found`);
  }
}

export interface ScimErrorBody {
  schemas: [typeof URN.error];
  status: string;
  scimType?: ScimType;
  detail: string;
}

/** The RFC 7644 §3.12 body; `status` is a string there. */
export function scimErrorBody(error: ScimError): ScimErrorBody {
  const body: ScimErrorBody = { schemas: [URN.error], status: String(error.status), detail: error.detail };
  if (error.scimType) body.scimType = error.scimType;
  return body;
}
