import type { Request } from 'express';
import type { ResolvedOptions } from '../../lib/options.js';

/** This center's SCIM endpoints as a pulling app must call them (shown read-only to copy). */
export function pullUrls(req: Request, options: Pick<ResolvedOptions, 'publicUrl'>): { users: string; orgs: string } {
  const root = options.publicUrl ?? `${req.protocol}://${req.get('host')}${req.baseUrl}`;
  return { users: `${root}/scim/v2/Users`, orgs: `${root}/scim/v2/Organizations` };
}
