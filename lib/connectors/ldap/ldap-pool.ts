import { LdapDirectory, type LdapConnectionOptions } from './ldap-directory.js';
import type { LdapSecrets } from './ldap-settings.js';
import type { LdapSettings } from '../../sources/ldap-destination.js';

/** The connection options for these settings: the bind password goes to the bind and nowhere else. */
export function connectionOptions(settings: LdapSettings, secrets: LdapSecrets): LdapConnectionOptions {
  return {
    url: settings.url,
    startTls: settings.tls === 'startTls',
    ca: settings.ca,
    bindDn: settings.bindDn,
    bindPassword: secrets.bindPassword,
    timeoutMs: settings.timeoutMs,
  };
}

/**
 * A fixed number of bound connections, opened on first use. LDAP multiplexes operations on one
 * connection (message ids), so each call simply takes the next connection in turn; the engine's
 * concurrency decides how many operations are in flight.
 */
export class LdapPool {
  #opening: Promise<LdapDirectory[]> | null = null;
  #next = 0;

  constructor(
    private readonly options: LdapConnectionOptions,
    private readonly size: number,
  ) {}

  async take(): Promise<LdapDirectory> {
    const directories = await this.#open();
    this.#next = (this.#next + 1) % directories.length;
    return directories[this.#next]!;
  }

  async #open(): Promise<LdapDirectory[]> {
    if (!this.#opening) {
      this.#opening = (async () => {
        const first = await LdapDirectory.open(this.options);
        const rest = await Promise.allSettled(Array.from({ length: this.size - 1 }, () => LdapDirectory.open(this.options)));
        const failed = rest.find((result) => result.status === 'rejected');
        const opened = [first, ...rest.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []))];
        if (failed) {
          await Promise.all(opened.map((directory) => directory.close()));
          throw failed.reason;
        }
        return opened;
      })();
      // A failed open is tried again on the next call, not remembered.
      this.#opening.catch(() => (this.#opening = null));
    }
    return this.#opening;
  }

  async close(): Promise<void> {
    const opening = this.#opening;
    this.#opening = null;
    if (!opening) return;
    const directories = await opening.catch(() => []);
    await Promise.all(directories.map((directory) => directory.close()));
  }
}
