import express, { type Request, type Response } from 'express';
import { randomBytes } from 'node:crypto';
import { ValidationError, type SyncCenter } from '../../index.js';
import { currentAccount } from './auth.js';
import { toDirectoryOrg, toDirectoryUser, type HostOrg, type HostStore, type HostUser } from './host-store.js';

const PAGE_SIZE = 25;

/**
 * The demo's directory pages. Each change is saved in the host's own tables first and then
 * reported to the center; a change the center refuses is rolled back and shown.
 */
export function directoryRoutes(store: HostStore, center: SyncCenter): express.Router {
  const router = express.Router();
  router.use((req, res, next) => {
    if (currentAccount(req)?.role === 'admin') return next();
    res.redirect(303, `/login?returnTo=${encodeURIComponent(req.originalUrl)}`);
  });

  router.get('/', async (req, res) => {
    const orgId = typeof req.query.org === 'string' ? req.query.org : undefined;
    const search = typeof req.query.q === 'string' ? req.query.q.trim() : '';
    const page = Math.max(1, Number(req.query.page) || 1);
    const { users, total } = await store.listUsers({ orgId, search: search || undefined, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE });
    res.render('directory', { orgs: await store.listOrgs(), users, total, page, pages: Math.max(1, Math.ceil(total / PAGE_SIZE)), orgId, search });
  });

  router.get('/users/new', async (_req, res) => renderUserForm(res, store, emptyUser(), null));
  router.get('/users/:id/edit', async (req, res) => {
    const user = await store.getUser(req.params.id);
    if (!user) return res.status(404).send('No such user');
    renderUserForm(res, store, user, null);
  });
  router.post('/users/:id', async (req, res) => {
    const existing = req.params.id === 'new' ? undefined : await store.getUser(req.params.id);
    const user = userFromForm(req, existing);
    const previous = existing ?? null;
    if (!user.userName) return renderUserForm(res.status(422), store, user, `${res.locals.text.username}: ${res.locals.text.required}`);
    if (await store.userNameTaken(user.userName, user.id)) {
      return renderUserForm(res.status(422), store, user, `${res.locals.text.username}: ${res.locals.text.taken}`);
    }
    await store.saveUser(user);
    try {
      await center.changes.userUpserted(toDirectoryUser(user));
    } catch (error) {
      if (previous) await store.saveUser(previous);
      else await store.deleteUser(user.id);
      if (error instanceof ValidationError) return renderUserForm(res.status(422), store, user, error.message);
      throw error;
    }
    res.redirect(303, `/directory?org=${encodeURIComponent(user.orgId ?? '')}`);
  });
  router.post('/users/:id/active', async (req, res) => {
    const user = await store.getUser(req.params.id);
    if (!user) return res.status(404).send('No such user');
    const updated = { ...user, active: !user.active };
    await store.saveUser(updated);
    await center.changes.userUpserted(toDirectoryUser(updated));
    res.redirect(303, backTo(req));
  });
  router.get('/users/:id/delete', async (req, res) => {
    const user = await store.getUser(req.params.id);
    if (!user) return res.status(404).send('No such user');
    res.render('confirm-delete', {
      question: res.locals.text.deleteUserQuestion.replace('{name}', `${user.displayName} (${user.userName})`),
      consequence: res.locals.text.deleteUserConsequence,
      action: `/directory/users/${encodeURIComponent(user.id)}/delete`,
      back: backTo(req),
    });
  });
  router.post('/users/:id/delete', async (req, res) => {
    if (!confirmed(req)) return res.redirect(303, `/directory/users/${encodeURIComponent(req.params.id)}/delete?back=${encodeURIComponent(backTo(req))}`);
    await store.deleteUser(req.params.id);
    await center.changes.userDeleted(req.params.id);
    res.redirect(303, backTo(req));
  });

  router.get('/orgs/new', async (_req, res) => renderOrgForm(res, store, { id: '', name: '', parentId: null, sortOrder: 0, code: null }, null));
  router.get('/orgs/:id/edit', async (req, res) => {
    const org = await store.getOrg(req.params.id);
    if (!org) return res.status(404).send('No such organization');
    renderOrgForm(res, store, org, null);
  });
  router.post('/orgs/:id', async (req, res) => {
    const existing = req.params.id === 'new' ? undefined : await store.getOrg(req.params.id);
    const org: HostOrg = {
      id: existing?.id ?? `org-${randomBytes(4).toString('hex')}`,
      name: field(req, 'name'),
      parentId: field(req, 'parentId') || null,
      sortOrder: Number.parseInt(field(req, 'sortOrder'), 10) || 0,
      code: field(req, 'code') || null,
    };
    try {
      // The center checks the tree (unknown parent, a move under its own descendant) before the host saves.
      await center.changes.orgUpserted(toDirectoryOrg(org));
    } catch (error) {
      if (error instanceof ValidationError) return renderOrgForm(res.status(422), store, org, error.message);
      throw error;
    }
    await store.saveOrg(org);
    res.redirect(303, `/directory?org=${encodeURIComponent(org.id)}`);
  });
  router.get('/orgs/:id/delete', async (req, res) => {
    const org = await store.getOrg(req.params.id);
    if (!org) return res.status(404).send('No such organization');
    if (await hasMembers(store, org.id)) return res.status(409).render('message', { message: res.locals.text.cannotDeleteOrg });
    res.render('confirm-delete', {
      question: res.locals.text.deleteOrgQuestion.replace('{name}', org.name),
      consequence: res.locals.text.deleteOrgConsequence,
      action: `/directory/orgs/${encodeURIComponent(org.id)}/delete`,
      back: `/directory?org=${encodeURIComponent(org.id)}`,
    });
  });
  router.post('/orgs/:id/delete', async (req, res) => {
    if (!confirmed(req)) return res.redirect(303, `/directory/orgs/${encodeURIComponent(req.params.id)}/delete`);
    if (await hasMembers(store, req.params.id)) return res.status(409).render('message', { message: res.locals.text.cannotDeleteOrg });
    await store.deleteOrg(req.params.id);
    await center.changes.orgDeleted(req.params.id);
    res.redirect(303, '/directory');
  });
  return router;
}

function field(req: Request, name: string): string {
  const value = (req.body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value.trim() : '';
}

/** Where to go after an action: a directory page named by the form (or the confirm page's query). */
function backTo(req: Request): string {
  const value = field(req, 'back') || (typeof req.query.back === 'string' ? req.query.back : '');
  return value.startsWith('/directory') && !value.includes('\\') ? value : '/directory';
}

/** A delete happens only from its confirm page, whose form says so; a bare POST is sent there. */
function confirmed(req: Request): boolean {
  return field(req, 'confirm') === 'yes';
}

async function hasMembers(store: HostStore, orgId: string): Promise<boolean> {
  const children = await store.countChildren(orgId);
  return children.orgs > 0 || children.users > 0;
}

function emptyUser(): HostUser {
  return { id: '', userName: '', displayName: '', givenName: '', familyName: '', email: '', phone: null, title: null, employeeNumber: null, orgId: null, active: true };
}

function userFromForm(req: Request, existing: HostUser | undefined): HostUser {
  return {
    id: existing?.id ?? `u-${randomBytes(4).toString('hex')}`,
    userName: field(req, 'userName'),
    displayName: field(req, 'displayName'),
    givenName: field(req, 'givenName'),
    familyName: field(req, 'familyName'),
    email: field(req, 'email') || field(req, 'userName'),
    phone: field(req, 'phone') || null,
    title: field(req, 'title') || null,
    employeeNumber: field(req, 'employeeNumber') || null,
    orgId: field(req, 'orgId') || null,
    active: existing?.active ?? true,
  };
}

async function renderUserForm(res: Response, store: HostStore, user: HostUser, error: string | null): Promise<void> {
  res.render('user-form', { person: user, orgs: await store.listOrgs(), error });
}

async function renderOrgForm(res: Response, store: HostStore, org: HostOrg, error: string | null): Promise<void> {
  res.render('org-form', { org, orgs: (await store.listOrgs()).filter((candidate) => candidate.id !== org.id), error });
}
