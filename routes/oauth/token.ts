import express, { Router, type NextFunction, type Request, type Response } from 'express';
import type { OAuthTokenDeps } from '../../lib/scim/scim-server-deps.js';
import { withoutRequestBody } from '../scim/errors.js';

type OAuthErrorCode = 'invalid_request' | 'invalid_client' | 'unsupported_grant_type' | 'invalid_scope' | 'slow_down';

class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly code: OAuthErrorCode,
    readonly description: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(description);
  }
}

const BASIC_CHALLENGE = { 'WWW-Authenticate': 'Basic realm="scim-sync-center"' };

/**
 * `<mount>/oauth/token`: the client credentials grant (RFC 6749 §4.4) for pull sources, with
 * client_secret_basic or client_secret_post (one of them, never both). Parameters come
 * form-urlencoded as RFC 6749 §4.4.2 requires, or as JSON for lenient clients; 4 kB at most. A
 * token request counts against the source's pull rate limit, like its SCIM requests (429
 * `slow_down`). Answers carry `Cache-Control: no-store`; every error, a body the parser refuses
 * included, is an RFC 6749 §5.2 `{ error, error_description }` body, and `server_error` (logged
 * without the request body, which is never logged) when the token could not be issued.
 */
export function createOAuthTokenRouter(deps: OAuthTokenDeps): Router {
  const router = Router();
  router.use(noStore);
  router.post(
    '/',
    express.urlencoded({ extended: false, limit: '4kb', parameterLimit: 20 }),
    express.json({ limit: '4kb' }),
    async (req: Request, res: Response) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      if (!req.is(['application/x-www-form-urlencoded', 'application/json'])) {
        throw new OAuthError(400, 'invalid_request', 'send the parameters as application/x-www-form-urlencoded');
      }
      if (body.grant_type !== 'client_credentials') {
        throw new OAuthError(400, body.grant_type === undefined ? 'invalid_request' : 'unsupported_grant_type', 'grant_type must be client_credentials');
      }
      const { clientId, clientSecret } = clientCredentials(req, body);
      const source = await deps.pull.authenticateClient(clientId, clientSecret);
      if (!source) throw new OAuthError(401, 'invalid_client', 'unknown client, wrong secret, or the source is disabled', BASIC_CHALLENGE);
      const decision = deps.pull.limiter.take(source.id);
      if (!decision.allowed) throw new OAuthError(429, 'slow_down', 'too many requests for this source', { 'Retry-After': String(decision.retryAfterSeconds) });
      const issued = await deps.pull.oauth.issue(source.id, clientId);
      res.json({ access_token: issued.accessToken, token_type: 'Bearer', expires_in: issued.expiresIn });
    },
  );
  router.all('/', (_req, res) => {
    res.setHeader('Allow', 'POST');
    res.status(405).json({ error: 'invalid_request', error_description: 'use POST' });
  });
  router.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const oauth = error instanceof OAuthError ? error : unreadableBody(error);
    if (!oauth) {
      deps.logger.error('scim-sync-center: the token endpoint failed', withoutRequestBody(error));
      res.status(500).json({ error: 'server_error', error_description: 'the token could not be issued; the error has been logged' });
      return;
    }
    for (const [name, value] of Object.entries(oauth.headers)) res.setHeader(name, value);
    res.status(oauth.status).json({ error: oauth.code, error_description: oauth.description });
  });
  return router;
}

/**
 * body-parser's refusals (too many parameters, a charset or Content-Encoding it cannot decode, a
 * body that does not parse) are the client's fault: RFC 6749 §5.2 `invalid_request`, never a 500.
 * Their error objects carry the raw body, client_secret included, so they are never logged.
 */
function unreadableBody(error: unknown): OAuthError | undefined {
  const known = error as { type?: unknown; status?: unknown } | null;
  const status = typeof known?.status === 'number' ? known.status : undefined;
  if (status === undefined || status < 400 || status >= 500) return undefined;
  switch (known?.type) {
    case 'entity.too.large':
      return new OAuthError(413, 'invalid_request', 'the request is too large');
    case 'parameters.too.many':
      return new OAuthError(400, 'invalid_request', 'the request has too many parameters');
    case 'charset.unsupported':
      return new OAuthError(400, 'invalid_request', 'the request body must be UTF-8');
    case 'encoding.unsupported':
      return new OAuthError(400, 'invalid_request', 'the request body has an unsupported Content-Encoding');
    default:
      return new OAuthError(400, 'invalid_request', 'the request body could not be read');
  }
}

function noStore(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Pragma', 'no-cache');
  next();
}

/** RFC 6749 §2.3.1: Basic credentials are form-urlencoded before base64. */
function clientCredentials(req: Request, body: Record<string, unknown>): { clientId: string; clientSecret: string } {
  const header = req.get('authorization');
  const inBody = body.client_id !== undefined || body.client_secret !== undefined;
  if (header) {
    if (inBody) throw new OAuthError(400, 'invalid_request', 'use one client authentication method, not both');
    const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
    const decoded = match ? Buffer.from(match[1]!, 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new OAuthError(401, 'invalid_client', 'the Authorization header must be Basic client_id:client_secret', BASIC_CHALLENGE);
    try {
      return {
        clientId: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')),
        clientSecret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')),
      };
    } catch {
      throw new OAuthError(401, 'invalid_client', 'the Basic credentials are not correctly encoded', BASIC_CHALLENGE);
    }
  }
  if (typeof body.client_id !== 'string' || typeof body.client_secret !== 'string' || !body.client_id || !body.client_secret) {
    throw new OAuthError(401, 'invalid_client', 'client authentication is required (client_secret_basic or client_secret_post)', BASIC_CHALLENGE);
  }
  return { clientId: body.client_id, clientSecret: body.client_secret };
}
