import { Router } from 'express';
import type { CenterContext } from '../../lib/context.js';
import { adminGuard } from './guard.js';
import { localeMiddleware } from './locale.js';

export function createAdminRouter(context: CenterContext): Router {
  const router = Router();
  router.use(localeMiddleware);
  router.use(adminGuard(context.options.admin));
  router.get('/', async (_req, res) => {
    res.render('sources/list', { sources: await context.sources.list() });
  });
  return router;
}
