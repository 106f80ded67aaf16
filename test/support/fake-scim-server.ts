import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { parse, type Filter } from 'scim2-parse-filter';

/** One request as the fake downstream received it. */
export interface RecordedRequest {
  method: string;
  path: string;
  body: any;
  authorization: string | undefined;
  contentType: string | undefined;
  /** The status answered (set once the response is sent; absent for a request left unanswered). */
  status?: number;
}

/** What a fault hook may answer instead of the normal handling. */
export type Fault =
  | { status: number; headers?: Record<string, string>; body?: unknown }
  | 'reset'
  | 'hang'
  /** Handle the request, then cut the connection before answering: the downstream did it, the client never hears. */
  | 'drop-response'
  /** Handle the request, then never answer (the client's process may die meanwhile). */
  | 'handle-then-hang'
  | undefined;

export interface FakeScimOptions {
  token?: string;
  patchSupported?: boolean;
  /** Resource endpoints served, e.g. ['Users', 'Groups', 'Organizations']. */
  endpoints?: string[];
  /** Answer 405 to PATCH (a downstream whose config lies). */
  refusePatch?: boolean;
  /** userName must be unique (409 on a second create). @default true */
  uniqueUserName?: boolean;
  /** externalId must be unique per endpoint (409). @default false */
  uniqueExternalId?: boolean;
  /** Serve an OAuth 2.0 token endpoint at /oauth/token for this client. */
  oauthClient?: { id: string; secret: string; expiresIn: number };
  /** Accept HTTP Basic with these credentials. */
  basic?: { user: string; password: string };
  /** Publish /ResourceTypes and /Schemas for the endpoints served (404 otherwise). @default false */
  resourceTypes?: boolean;
  /** Listings answer at most this many resources a page, whatever `count` asks. */
  pageCap?: number;
  /** Listings report the page's size as `totalResults` (a quirk seen in the wild). */
  totalIsPageSize?: boolean;
  /** Take filters joined with `or` (400 invalidFilter when false, as some downstreams do). @default true */
  orFilters?: boolean;
  /** ServiceProviderConfig `filter.maxResults`. @default 200 */
  filterMaxResults?: number;
}

const USER_EXTENSIONS = ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', 'urn:scim-sync-center:params:scim:schemas:extension:2.0:UserOrgs'];

/** The schema each endpoint of the fake holds, as its /ResourceTypes says when asked to. */
const ENDPOINT_SCHEMAS: Record<string, string> = {
  Users: 'urn:ietf:params:scim:schemas:core:2.0:User',
  Groups: 'urn:ietf:params:scim:schemas:core:2.0:Group',
  Organizations: 'urn:scim-sync-center:params:scim:schemas:core:2.0:Organization',
  Departments: 'urn:scim-sync-center:params:scim:schemas:compat:2.0:Department',
};

/**
 * A recording SCIM server on 127.0.0.1 for the push tests: it keeps resources in memory, records
 * every request (method, path, body, order) and lets a test inject faults per request. It is
 * deliberately small: `eq` filters (joined with `and`/`or`, and `emails[type eq "work" and value eq "…"]`
 * value paths; values compared without case), startIndex/count, PATCH add/replace/remove on top-level,
 * dotted, extension and `members[value eq "…"]` paths.
 */
export class FakeScimServer {
  readonly requests: RecordedRequest[] = [];
  readonly store = new Map<string, Map<string, Record<string, any>>>();
  fault: (request: RecordedRequest, index: number) => Fault = () => undefined;
  /** Holds a request until the promise it returns settles (a slow downstream a test controls). */
  delay: (request: RecordedRequest, index: number) => Promise<void> | undefined = () => undefined;
  port = 0;
  /** A path in front of `/scim/v2` when several fake downstreams share one HTTP server (`serveTogether`). */
  mount = '';
  #server: http.Server | null = null;
  readonly #sockets = new Set<Socket>();
  readonly #hanging = new Set<http.ServerResponse>();
  readonly options: Required<Omit<FakeScimOptions, 'oauthClient' | 'basic' | 'pageCap' | 'totalIsPageSize'>> & Pick<FakeScimOptions, 'oauthClient' | 'basic' | 'pageCap' | 'totalIsPageSize'>;
  /** Access tokens handed out by the token endpoint and still valid. */
  readonly issuedTokens = new Set<string>();
  tokenRequests = 0;

  constructor(options: FakeScimOptions = {}) {
    this.options = {
      token: options.token ?? 'downstream-token',
      patchSupported: options.patchSupported ?? true,
      endpoints: options.endpoints ?? ['Users', 'Groups', 'Organizations', 'Departments'],
      refusePatch: options.refusePatch ?? false,
      uniqueUserName: options.uniqueUserName ?? true,
      uniqueExternalId: options.uniqueExternalId ?? false,
      oauthClient: options.oauthClient,
      basic: options.basic,
      resourceTypes: options.resourceTypes ?? false,
      pageCap: options.pageCap,
      totalIsPageSize: options.totalIsPageSize,
      orFilters: options.orFilters ?? true,
      filterMaxResults: options.filterMaxResults ?? 200,
    };
    for (const endpoint of this.options.endpoints) this.store.set(endpoint, new Map());
  }

  get base(): string {
    return `http://127.0.0.1:${this.port}${this.mount}/scim/v2`;
  }

  url(endpoint: string): string {
    return `${this.base}/${endpoint}`;
  }

  resources(endpoint: string): Array<Record<string, any>> {
    return [...this.store.get(endpoint)!.values()];
  }

  /** Requests that change something (not GETs). */
  writes(): RecordedRequest[] {
    return this.requests.filter((request) => request.method !== 'GET');
  }

  async start(port = 0): Promise<this> {
    const server = http.createServer((req, res) => void this.handle(req, res));
    server.keepAliveTimeout = 60_000;
    server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(port || this.port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.#server = server;
    return this;
  }

  /** The downstream goes down: connections are cut and the port refuses. */
  async down(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    for (const response of this.#hanging) response.destroy();
    this.#hanging.clear();
    for (const socket of this.#sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Back up on the same port. */
  async up(): Promise<void> {
    await this.start(this.port);
  }

  async close(): Promise<void> {
    await this.down();
  }

  /** Answers one request whose URL starts at `/scim/v2` (or `/oauth/token`). */
  async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      body: text ? parseBody(text) : undefined,
      authorization: req.headers.authorization,
      contentType: req.headers['content-type'],
    };
    const index = this.requests.push(record) - 1;
    res.on('finish', () => (record.status = res.statusCode));
    await this.delay(record, index);
    const fault = this.fault(record, index);
    if (fault === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault === 'hang') {
      this.#hanging.add(res);
      return;
    }
    if (fault === 'handle-then-hang') {
      this.#route(record);
      this.#hanging.add(res);
      return;
    }
    if (fault === 'drop-response') {
      this.#route(record);
      req.socket.destroy();
      return;
    }
    if (fault) return send(res, fault.status, fault.body ?? scimError(fault.status, 'injected fault'), fault.headers);
    if (record.path === '/oauth/token') return this.#token(req, text, res);
    if (!this.#authorized(record.authorization)) return send(res, 401, scimError(401, 'bad token'));
    try {
      const [status, body] = this.#route(record);
      send(res, status, body);
    } catch (error) {
      send(res, 500, scimError(500, error instanceof Error ? error.message : String(error)));
    }
  }

  #authorized(header: string | undefined): boolean {
    if (header === `Bearer ${this.options.token}`) return true;
    if (header?.startsWith('Bearer ') && this.issuedTokens.has(header.slice(7))) return true;
    const basic = this.options.basic;
    return basic !== undefined && header === `Basic ${Buffer.from(`${basic.user}:${basic.password}`).toString('base64')}`;
  }

  /** OAuth 2.0 client credentials with client_secret_basic. */
  #token(req: http.IncomingMessage, body: string, res: http.ServerResponse): void {
    this.tokenRequests += 1;
    const client = this.options.oauthClient;
    const expected = client ? `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}` : null;
    if (!client || req.headers.authorization !== expected) return send(res, 401, { error: 'invalid_client' });
    if (new URLSearchParams(body).get('grant_type') !== 'client_credentials') return send(res, 400, { error: 'unsupported_grant_type' });
    const token = `issued-${randomUUID()}`;
    this.issuedTokens.add(token);
    send(res, 200, { access_token: token, token_type: 'Bearer', expires_in: client.expiresIn }, { 'content-type': 'application/json' });
  }

  /** A predicate for the filters this fake takes; undefined for any other (answered 400 invalidFilter). */
  #filter(text: string): ((resource: Record<string, any>) => boolean) | undefined {
    let ast: Filter;
    try {
      ast = parse(text);
    } catch {
      return undefined;
    }
    const or = this.options.orFilters;
    const compile = (node: Filter): ((resource: Record<string, any>) => boolean) | undefined => {
      if (node.op === 'eq' && typeof node.compValue === 'string') {
        const value = node.compValue.toLowerCase();
        return (resource) => String(resource[node.attrPath] ?? '').toLowerCase() === value;
      }
      if ((node.op === 'or' && or) || node.op === 'and') {
        const parts = node.filters.map(compile);
        if (parts.some((part) => !part)) return undefined;
        return node.op === 'or' ? (resource) => parts.some((part) => part!(resource)) : (resource) => parts.every((part) => part!(resource));
      }
      if (node.op === '[]') {
        const inner = compile(node.valFilter);
        return inner && ((resource) => Array.isArray(resource[node.attrPath]) && resource[node.attrPath].some((entry: Record<string, any>) => inner(entry)));
      }
      return undefined;
    };
    return compile(ast);
  }

  #route(request: RecordedRequest): [number, unknown] {
    const url = new URL(request.path, 'http://x');
    const parts = url.pathname.replace(/^\/scim\/v2\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
    const [endpoint, id] = parts;
    if (endpoint === 'ServiceProviderConfig') {
      return [200, { schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'], patch: { supported: this.options.patchSupported }, filter: { supported: true, maxResults: this.options.filterMaxResults }, bulk: { supported: false } }];
    }
    if (endpoint === 'ResourceTypes' || endpoint === 'Schemas') {
      if (!this.options.resourceTypes) return [404, scimError(404, 'no resource types here')];
      const served = this.options.endpoints.filter((name) => ENDPOINT_SCHEMAS[name]);
      const resources = endpoint === 'Schemas'
        ? served.map((name) => ({ id: ENDPOINT_SCHEMAS[name], name }))
        : served.map((name) => ({ id: name, name: name.replace(/s$/, ''), endpoint: `/${name}`, schema: ENDPOINT_SCHEMAS[name], schemaExtensions: name === 'Users' ? USER_EXTENSIONS.map((schema) => ({ schema, required: false })) : [] }));
      return [200, { schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: resources.length, Resources: resources }];
    }
    const store = endpoint ? this.store.get(endpoint) : undefined;
    if (!store) return [404, scimError(404, `no endpoint ${endpoint}`)];
    switch (request.method) {
      case 'GET': {
        if (id) return store.has(id) ? [200, store.get(id)] : [404, scimError(404, 'not found')];
        let list = [...store.values()];
        const filter = url.searchParams.get('filter');
        if (filter) {
          const predicate = this.#filter(filter);
          if (!predicate) return [400, { ...scimError(400, 'unsupported filter'), scimType: 'invalidFilter' }];
          list = list.filter(predicate);
        }
        const startIndex = Number(url.searchParams.get('startIndex') ?? 1);
        const count = Math.min(Number(url.searchParams.get('count') ?? 100), this.options.pageCap ?? Infinity);
        const page = list.slice(startIndex - 1, startIndex - 1 + count);
        const totalResults = this.options.totalIsPageSize ? page.length : list.length;
        return [200, { schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults, startIndex, itemsPerPage: page.length, Resources: page }];
      }
      case 'POST': {
        const body = request.body;
        if (this.options.uniqueUserName && endpoint === 'Users' && [...store.values()].some((user) => user.userName.toLowerCase() === String(body.userName).toLowerCase())) {
          return [409, { ...scimError(409, 'userName taken'), scimType: 'uniqueness' }];
        }
        if (this.options.uniqueExternalId && body.externalId && [...store.values()].some((resource) => resource.externalId === body.externalId)) {
          return [409, { ...scimError(409, 'externalId taken'), scimType: 'uniqueness' }];
        }
        const resource = { ...body, id: randomUUID(), meta: { resourceType: endpoint } };
        store.set(resource.id, resource);
        return [201, resource];
      }
      case 'PUT': {
        if (!id || !store.has(id)) return [404, scimError(404, 'not found')];
        const resource = { ...request.body, id, meta: store.get(id)!.meta };
        store.set(id, resource);
        return [200, resource];
      }
      case 'PATCH': {
        if (this.options.refusePatch) return [405, scimError(405, 'PATCH not allowed')];
        if (!id || !store.has(id)) return [404, scimError(404, 'not found')];
        const resource = structuredClone(store.get(id)!);
        for (const operation of request.body.Operations ?? []) applyOperation(resource, operation);
        store.set(id, resource);
        return [200, resource];
      }
      case 'DELETE': {
        if (!id || !store.delete(id)) return [404, scimError(404, 'not found')];
        return [204, undefined];
      }
      default:
        return [405, scimError(405, 'method not allowed')];
    }
  }
}

function applyOperation(resource: Record<string, any>, operation: { op: string; path?: string; value?: any }): void {
  const op = operation.op.toLowerCase();
  const path = operation.path ?? '';
  const member = /^members\[value eq "(.*)"\]$/.exec(path);
  if (member) {
    resource.members = (resource.members ?? []).filter((entry: { value: string }) => entry.value !== JSON.parse(`"${member[1]}"`));
    return;
  }
  if (path === 'members' && op === 'add') {
    const existing = new Set((resource.members ?? []).map((entry: { value: string }) => entry.value));
    resource.members = [...(resource.members ?? []), ...operation.value.filter((entry: { value: string }) => !existing.has(entry.value))];
    return;
  }
  const urn = /^(urn:.+):([^:]+)$/.exec(path);
  const [container, key] = urn ? [(resource[urn[1]!] ??= {}), urn[2]!] : path.includes('.') ? [(resource[path.split('.')[0]!] ??= {}), path.split('.')[1]!] : [resource, path];
  if (op === 'remove') delete container[key];
  else container[key] = operation.value;
}

function parseBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function scimError(status: number, detail: string): Record<string, unknown> {
  return { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: String(status), detail };
}

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed) return;
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/scim+json', ...headers, ...(text ? {} : { 'content-length': '0' }) });
  res.end(text);
}

/**
 * Serves several fake downstreams from one HTTP server on 127.0.0.1, the n-th under `/t<n>`
 * (`server.url('Users')` includes it). Each keeps its own store and request record.
 */
export async function serveTogether(servers: readonly FakeScimServer[]): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const byMount = new Map(servers.map((server, index) => [`/t${index}`, server]));
  const shared = http.createServer((req, res) => {
    const match = /^(\/t\d+)(\/.*)$/.exec(req.url ?? '');
    const target = match ? byMount.get(match[1]!) : undefined;
    if (!match || !target) return send(res, 404, scimError(404, 'no such downstream'));
    req.url = match[2];
    void target.handle(req, res);
  });
  shared.keepAliveTimeout = 60_000;
  shared.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => shared.listen(0, '127.0.0.1', resolve));
  const port = (shared.address() as AddressInfo).port;
  for (const [mount, server] of byMount) {
    server.mount = mount;
    server.port = port;
  }
  return {
    port,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => shared.close(() => resolve()));
    },
  };
}
