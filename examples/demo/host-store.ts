import knexFactory, { type Knex } from 'knex';
import type { Directory, DirectoryOrg, DirectoryPage, DirectoryPageRequest, DirectoryUser } from '../../index.js';

/** The demo IdP's own user store: plain tables of its own, nothing to do with the center's. */
export interface HostUser {
  id: string;
  userName: string;
  displayName: string;
  givenName: string;
  familyName: string;
  email: string;
  phone: string | null;
  title: string | null;
  employeeNumber: string | null;
  orgId: string | null;
  active: boolean;
}

export interface HostOrg {
  id: string;
  name: string;
  parentId: string | null;
  sortOrder: number;
  code: string | null;
}

export class HostStore {
  readonly knex: Knex;

  constructor(filename: string) {
    this.knex = knexFactory({ client: 'sqlite3', connection: { filename }, useNullAsDefault: true });
  }

  async init(): Promise<void> {
    if (!(await this.knex.schema.hasTable('demo_orgs'))) {
      await this.knex.schema.createTable('demo_orgs', (t) => {
        t.string('id').primary();
        t.string('name').notNullable();
        t.string('parent_id');
        t.integer('sort_order').notNullable().defaultTo(0);
        t.string('code');
      });
    }
    if (!(await this.knex.schema.hasTable('demo_users'))) {
      await this.knex.schema.createTable('demo_users', (t) => {
        t.string('id').primary();
        t.string('user_name').notNullable().unique();
        t.string('display_name').notNullable();
        t.string('given_name').notNullable();
        t.string('family_name').notNullable();
        t.string('email').notNullable();
        t.string('phone');
        t.string('title');
        t.string('employee_number');
        t.string('org_id');
        t.boolean('active').notNullable().defaultTo(true);
      });
    }
  }

  async isEmpty(): Promise<boolean> {
    const row = await this.knex('demo_orgs').count({ n: '*' }).first();
    return Number(row?.n ?? 0) === 0;
  }

  /** One transaction for the whole seed, so the first start is quick. */
  async insertAll(orgs: HostOrg[], users: HostUser[]): Promise<void> {
    await this.knex.transaction(async (trx) => {
      await trx.batchInsert('demo_orgs', orgs.map(orgRow), 100);
      await trx.batchInsert('demo_users', users.map(userRow), 50);
    });
  }

  async listOrgs(): Promise<HostOrg[]> {
    return (await this.knex('demo_orgs').orderBy(['parent_id', 'sort_order', 'name'])).map(toHostOrg);
  }

  async getOrg(id: string): Promise<HostOrg | undefined> {
    const row = await this.knex('demo_orgs').where({ id }).first();
    return row ? toHostOrg(row) : undefined;
  }

  async saveOrg(org: HostOrg): Promise<void> {
    await this.knex('demo_orgs')
      .insert(orgRow(org))
      .onConflict('id')
      .merge();
  }

  async deleteOrg(id: string): Promise<void> {
    await this.knex('demo_orgs').where({ id }).delete();
  }

  async countChildren(id: string): Promise<{ orgs: number; users: number }> {
    const orgs = await this.knex('demo_orgs').where({ parent_id: id }).count({ n: '*' }).first();
    const users = await this.knex('demo_users').where({ org_id: id }).count({ n: '*' }).first();
    return { orgs: Number(orgs?.n ?? 0), users: Number(users?.n ?? 0) };
  }

  async listUsers(filter: { orgId?: string; search?: string; limit: number; offset: number }): Promise<{ users: HostUser[]; total: number }> {
    const base = () => {
      const query = this.knex('demo_users');
      if (filter.orgId) query.where({ org_id: filter.orgId });
      if (filter.search) query.where((q) => q.whereLike('display_name', `%${filter.search}%`).orWhereLike('user_name', `%${filter.search}%`));
      return query;
    };
    const count = await base().count({ n: '*' }).first();
    const rows = await base().orderBy('id').limit(filter.limit).offset(filter.offset);
    return { users: rows.map(toHostUser), total: Number(count?.n ?? 0) };
  }

  async getUser(id: string): Promise<HostUser | undefined> {
    const row = await this.knex('demo_users').where({ id }).first();
    return row ? toHostUser(row) : undefined;
  }

  async saveUser(user: HostUser): Promise<void> {
    await this.knex('demo_users')
      .insert(userRow(user))
      .onConflict('id')
      .merge();
  }

  async userNameTaken(userName: string, exceptId: string): Promise<boolean> {
    return Boolean(await this.knex('demo_users').where({ user_name: userName }).whereNot({ id: exceptId }).first('id'));
  }

  async deleteUser(id: string): Promise<void> {
    await this.knex('demo_users').where({ id }).delete();
  }

  /** The Directory hooks the sync center pages through. */
  directory(): Directory {
    return {
      listUsers: async ({ cursor, limit }: DirectoryPageRequest): Promise<DirectoryPage<DirectoryUser>> => {
        const rows = await this.knex('demo_users').where('id', '>', cursor ?? '').orderBy('id').limit(limit);
        return { items: rows.map((row) => toDirectoryUser(toHostUser(row))), nextCursor: rows.length === limit ? rows[rows.length - 1].id : null };
      },
      listOrgs: async ({ cursor, limit }: DirectoryPageRequest): Promise<DirectoryPage<DirectoryOrg>> => {
        const rows = await this.knex('demo_orgs').where('id', '>', cursor ?? '').orderBy('id').limit(limit);
        return { items: rows.map((row) => toDirectoryOrg(toHostOrg(row))), nextCursor: rows.length === limit ? rows[rows.length - 1].id : null };
      },
      getUser: async (id) => {
        const user = await this.getUser(id);
        return user ? toDirectoryUser(user) : null;
      },
      getOrg: async (id) => {
        const org = await this.getOrg(id);
        return org ? toDirectoryOrg(org) : null;
      },
    };
  }

  close(): Promise<void> {
    return this.knex.destroy();
  }
}

export function toDirectoryUser(user: HostUser): DirectoryUser {
  return {
    id: user.id,
    userName: user.userName,
    displayName: user.displayName,
    name: { givenName: user.givenName, familyName: user.familyName },
    emails: [{ value: user.email, type: 'work', primary: true }],
    phoneNumbers: user.phone ? [{ value: user.phone, type: 'work' }] : [],
    active: user.active,
    title: user.title,
    employeeNumber: user.employeeNumber,
    orgIds: user.orgId ? [user.orgId] : [],
  };
}

export function toDirectoryOrg(org: HostOrg): DirectoryOrg {
  return { id: org.id, name: org.name, parentId: org.parentId, order: org.sortOrder, code: org.code };
}

function orgRow(org: HostOrg) {
  return { id: org.id, name: org.name, parent_id: org.parentId, sort_order: org.sortOrder, code: org.code };
}

function userRow(user: HostUser) {
  return {
    id: user.id,
    user_name: user.userName,
    display_name: user.displayName,
    given_name: user.givenName,
    family_name: user.familyName,
    email: user.email,
    phone: user.phone,
    title: user.title,
    employee_number: user.employeeNumber,
    org_id: user.orgId,
    active: user.active,
  };
}

function toHostOrg(row: Record<string, any>): HostOrg {
  return { id: row.id, name: row.name, parentId: row.parent_id ?? null, sortOrder: Number(row.sort_order), code: row.code ?? null };
}

function toHostUser(row: Record<string, any>): HostUser {
  return {
    id: row.id,
    userName: row.user_name,
    displayName: row.display_name,
    givenName: row.given_name,
    familyName: row.family_name,
    email: row.email,
    phone: row.phone ?? null,
    title: row.title ?? null,
    employeeNumber: row.employee_number ?? null,
    orgId: row.org_id ?? null,
    active: Boolean(row.active),
  };
}
