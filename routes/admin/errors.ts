import type { NextFunction, Request, Response } from 'express';
import { NotFoundError, StateConflictError, ValidationError } from '../../lib/errors.js';
import type { Logger } from '../../lib/options.js';
import { conflictMessage } from './conflicts.js';
import { toFieldErrors } from './form-errors.js';
import { isCsrfError } from './security.js';
import { withoutRequestBody } from '../scim/errors.js';

/** Anything no route matched. */
export function notFound(_req: Request, res: Response): void {
  res.status(404).render('error', { titleKey: 'error.notFound.title', bodyKey: 'error.notFound.body' });
}

/**
 * The one place errors become pages: a known decision gets its status and a translated page,
 * anything else is logged and shown as a plain 500. Never a stack trace.
 */
export function errorHandler(logger: Logger) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    if (res.headersSent) return;
    const wantsJson = req.path.endsWith('/progress');
    let status = 500;
    let page: Record<string, unknown> = { titleKey: 'error.server.title', bodyKey: 'error.server.body' };
    if (isCsrfError(error)) {
      status = 403;
      page = { titleKey: 'error.csrf.title', bodyKey: 'error.csrf.body' };
    } else if (error instanceof NotFoundError) {
      status = 404;
      page = { titleKey: 'error.notFound.title', bodyKey: 'error.notFound.body' };
    } else if (error instanceof StateConflictError) {
      status = 409;
      page = { titleKey: 'conflict.title', body: conflictMessage(error, res.locals.t) };
    } else if (error instanceof ValidationError) {
      status = 422;
      const messages = Object.values(toFieldErrors(error, res.locals.t, []));
      page = { titleKey: 'error.validation.title', body: messages.join(' ') };
    } else if (isBodyTooLarge(error)) {
      status = 413;
      page = { titleKey: 'error.validation.title', bodyKey: 'error.validation.summary' };
    } else if (isUnreadableBody(error)) {
      // The client's mistake (an unknown charset or Content-Encoding): its own 4xx, nothing to log.
      status = (error as { status: number }).status;
      page = { titleKey: 'error.unreadableForm.title', bodyKey: 'error.unreadableForm.body' };
    } else {
      // Never the request body: a parser error carries the raw form, which may hold a secret.
      logger.error(`scim-sync-center: ${req.method} ${req.originalUrl} failed`, withoutRequestBody(error));
    }
    if (wantsJson) {
      res.status(status).json({ error: status });
      return;
    }
    res.status(status).render('error', page);
  };
}

/** A body-parser refusal other than size: unsupported charset or encoding, a body it cannot decode. */
function isUnreadableBody(error: unknown): boolean {
  const { type, status } = (error ?? {}) as { type?: unknown; status?: unknown };
  return typeof type === 'string' && typeof status === 'number' && status >= 400 && status < 500;
}

function isBodyTooLarge(error: unknown): boolean {
  const type = (error as { type?: string } | null)?.type;
  return type === 'entity.too.large' || type === 'parameters.too.many';
}
