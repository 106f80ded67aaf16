import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../../lib/options.js';
import { ScimError } from '../../lib/scim/scim-error.js';
import { sendScimError } from './respond.js';

/**
 * What of an unexpected error may be logged: its name, message, code and stack, never the
 * request body some errors carry (body-parser puts the raw body on `body`; for the token
 * endpoint that is the client_secret).
 */
export function withoutRequestBody(error: unknown): unknown {
  if (!(error instanceof Error)) return typeof error === 'object' && error !== null ? '[non-Error thrown]' : error;
  const copy = new Error(error.message);
  copy.name = error.name;
  copy.stack = error.stack;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') Object.assign(copy, { code });
  return copy;
}

/** Unknown SCIM endpoint. */
export function notFound(req: Request, res: Response): void {
  sendScimError(res, new ScimError(404, `no SCIM endpoint at ${req.path}`));
}

/**
 * The last handler on the SCIM router: every error becomes an RFC 7644 §3.12 body. Our own
 * errors say what went wrong; anything unexpected is logged here and answered with a generic
 * 500, never a message or stack trace of ours.
 */
export function scimErrorHandler(logger: Logger) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    if (res.headersSent) return;
    sendScimError(res, toScimError(error, req, logger));
  };
}

function toScimError(error: unknown, req: Request, logger: Logger): ScimError {
  if (error instanceof ScimError) return error;
  const known = error as { name?: string; status?: number; type?: string };
  if (known?.name === 'AuthenticationError') {
    // passport has set `WWW-Authenticate: Bearer realm=…[, error="invalid_token"]` already.
    return new ScimError(401, 'a valid Bearer token is required in the Authorization header (wrong, expired or revoked tokens are refused)');
  }
  switch (known?.type) {
    case 'entity.parse.failed':
      return ScimError.invalidSyntax('the request body is not valid JSON');
    case 'entity.too.large':
      return new ScimError(413, 'the request body is too large');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return ScimError.invalidSyntax('the request body must be UTF-8 JSON');
  }
  if (typeof known?.status === 'number' && known.status >= 400 && known.status < 500) {
    return ScimError.invalidSyntax('the request could not be read');
  }
  logger.error(`scim-sync-center: ${req.method} ${req.baseUrl}${req.path} failed`, withoutRequestBody(error));
  return new ScimError(500, 'the server could not answer this request; the error has been logged');
}
