import { Attribute, Change, Client, type Entry } from 'ldapts';
import { ldapError } from './ldap-errors.js';
import { PostReadControl } from './post-read-control.js';

/** How to reach and bind to the directory. The password comes from the source's sealed secrets. */
export interface LdapConnectionOptions {
  /** `ldaps://host:636`, or `ldap://host:389` with `startTls` (or, where the host allows it, plain). */
  url: string;
  /** Upgrade an `ldap://` connection with StartTLS before binding. */
  startTls: boolean;
  /** PEM of the CA that signed the server's certificate; the system's CAs when absent. */
  ca?: string;
  bindDn: string;
  bindPassword: string;
  /** Per operation and for connecting. @default 15000 */
  timeoutMs?: number;
}

/** Values are text, except binary ones such as AD's `unicodePwd` (a Buffer). */
export type LdapAttributes = Record<string, string | string[] | Buffer>;

/** Attributes that are binary on the wire: read as Buffers and given back as lower-case hex. */
const BINARY_ATTRIBUTES = ['objectGUID'];

/** One attribute change; `replace` with no values removes the attribute. */
export interface LdapChange {
  operation: 'replace' | 'add' | 'delete';
  attribute: string;
  values: string[];
}

/** An entry read back: attribute names in lower case (LDAP compares them case-insensitively). */
export interface LdapEntry {
  dn: string;
  attributes: Record<string, string[]>;
}

/**
 * A bound connection to one directory (ldapts underneath). Every failure comes out as one of
 * the engine's push errors (ldap-errors.ts); values are always passed as data, never spliced
 * into a DN or filter unescaped (dn.ts builds those).
 */
export class LdapDirectory {
  private constructor(
    private readonly client: Client,
    private readonly options: LdapConnectionOptions,
  ) {}

  /** Whether the connection is encrypted (ldaps:// or StartTLS): AD sets passwords only then. */
  get encrypted(): boolean {
    return this.options.startTls || isLdaps(this.options.url);
  }

  /** Connects (TLS from the start for ldaps://, StartTLS when asked) and binds. */
  static async open(options: LdapConnectionOptions): Promise<LdapDirectory> {
    const timeout = options.timeoutMs ?? 15_000;
    // ldapts takes TLS options in the constructor for ldaps:// only; given for ldap:// they break
    // StartTLS's handshake. It also adds the socket to the object it is given: pass copies.
    const client = new Client({ url: options.url, timeout, connectTimeout: timeout, tlsOptions: isLdaps(options.url) ? tlsOptionsOf(options) : undefined, strictDN: false });
    const directory = new LdapDirectory(client, options);
    await directory.#bind();
    return directory;
  }

  async #bind(): Promise<void> {
    try {
      if (this.options.startTls && !isLdaps(this.options.url)) await this.client.startTLS(tlsOptionsOf(this.options));
      await this.client.bind(this.options.bindDn, this.options.bindPassword);
    } catch (error) {
      await this.client.unbind().catch(() => undefined);
      throw ldapError(error, this.options.startTls ? 'bind (StartTLS)' : 'bind', this.options.bindDn);
    }
  }

  /**
   * ldapts reconnects a dropped connection by itself, but anonymously and in plain text: a server
   * restart must not turn the next write into "insufficient access". Bind again first.
   */
  async #ready(): Promise<void> {
    if (!this.client.isConnected) await this.#bind();
  }

  /**
   * Adds an entry. With `readBack`, asks for those attributes of the new entry in the same
   * exchange (RFC 4527 post-read) and returns them; null when the server does not offer that.
   */
  async add(dn: string, attributes: LdapAttributes, readBack?: readonly string[]): Promise<LdapEntry | null> {
    const list = Object.entries(attributes).map(
      ([type, value]) => new Attribute({ type, values: Buffer.isBuffer(value) ? [value] : Array.isArray(value) ? value : [value] }),
    );
    const postRead = readBack ? new PostReadControl(readBack) : undefined;
    await this.#do('add', dn, () => this.client.add(dn, list, postRead));
    if (!postRead?.entry) return null;
    const read: Record<string, string[]> = {};
    for (const [name, values] of Object.entries(postRead.entry.attributes)) read[name] = values.map((value) => value.toString('utf8'));
    return { dn: postRead.entry.dn || dn, attributes: read };
  }

  async modify(dn: string, changes: readonly LdapChange[]): Promise<void> {
    if (changes.length === 0) return;
    const ldapChanges = changes.map(
      (change) => new Change({ operation: change.operation, modification: new Attribute({ type: change.attribute, values: change.values }) }),
    );
    await this.#do('modify', dn, () => this.client.modify(dn, ldapChanges));
  }

  /**
   * Renames and/or moves an entry (modifyDN with newSuperior): a subtree moves with its root,
   * nothing is deleted and created again. Returns the new DN.
   */
  async move(dn: string, newRdn: string, newParentDn: string): Promise<string> {
    const target = `${newRdn},${newParentDn}`;
    // ldapts takes the new DN whole and sends newSuperior when the parent changes.
    await this.#do('modifyDN', dn, () => this.client.modifyDN(dn, target));
    return target;
  }

  async delete(dn: string): Promise<void> {
    await this.#do('delete', dn, () => this.client.del(dn));
  }

  /** The entry at `dn` with these attributes, or null when there is none. */
  async read(dn: string, attributes: readonly string[]): Promise<LdapEntry | null> {
    try {
      await this.#ready();
      const { searchEntries } = await this.client.search(dn, { scope: 'base', attributes: [...attributes], explicitBufferAttributes: BINARY_ATTRIBUTES });
      return searchEntries[0] ? normalizeEntry(searchEntries[0]) : null;
    } catch (error) {
      const mapped = ldapError(error, 'search', dn);
      if (mapped.code === 'SSC_PUSH_NOT_FOUND') return null;
      throw mapped;
    }
  }

  /** Entries matching `filter` under `base`, a page at a time (RFC 2696 paged results). */
  async *search(base: string, filter: string, attributes: readonly string[], options: { scope?: 'one' | 'sub'; pageSize?: number } = {}): AsyncGenerator<LdapEntry[]> {
    try {
      await this.#ready();
      const pages = this.client.searchPaginated(base, {
        scope: options.scope ?? 'sub',
        filter,
        attributes: [...attributes],
        paged: { pageSize: options.pageSize ?? 500 },
        explicitBufferAttributes: BINARY_ATTRIBUTES,
      });
      for await (const page of pages) yield page.searchEntries.map(normalizeEntry);
    } catch (error) {
      throw ldapError(error, 'search', base);
    }
  }

  async close(): Promise<void> {
    await this.client.unbind().catch(() => undefined);
  }

  async #do(operation: string, dn: string, work: () => Promise<void>): Promise<void> {
    try {
      await this.#ready();
      await work();
    } catch (error) {
      throw ldapError(error, operation, dn);
    }
  }
}

/** Attribute values as lists of strings, names in lower case. */
function normalizeEntry(entry: Entry): LdapEntry {
  const attributes: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(entry)) {
    if (name === 'dn') continue;
    const values = Array.isArray(value) ? value : [value];
    if (values.length === 0) continue; // asked for, not there
    const binary = BINARY_ATTRIBUTES.some((attribute) => attribute.toLowerCase() === name.toLowerCase());
    attributes[name.toLowerCase()] = values.map((item) => (Buffer.isBuffer(item) ? item.toString(binary ? 'hex' : 'utf8') : String(item)));
  }
  return { dn: entry.dn, attributes };
}

function isLdaps(url: string): boolean {
  return url.toLowerCase().startsWith('ldaps:');
}

/** A fresh object each time: ldapts adds the socket to the one it is given. */
function tlsOptionsOf(options: LdapConnectionOptions) {
  return { ca: options.ca ? [options.ca] : undefined, rejectUnauthorized: true, minVersion: 'TLSv1.2' as const };
}
