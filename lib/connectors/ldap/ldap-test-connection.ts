import { randomBytes } from 'node:crypto';
import { engineMessage, storeMessage } from '../../i18n/engine-message.js';
import { PushError } from '../../push/client/errors.js';
import type { ConnectorCheck, ConnectorTestResult } from '../../push/connector.js';
import { childDn } from './dn.js';
import { LdapDirectory } from './ldap-directory.js';
import { connectionOptions } from './ldap-pool.js';
import type { LdapSecrets } from './ldap-settings.js';
import type { LdapSettings } from '../../sources/ldap-destination.js';

/**
 * Checks an LDAP destination the way a sync uses it, each step with its own message: the bind
 * (TLS and credentials), that the base DN exists, and that the account may write there (a probe
 * OU added under where orgs go and deleted again; nothing stays). A failed step skips the ones
 * after it. Messages carry the server's words and DNs, never the password.
 */
export async function testLdapConnection(settings: LdapSettings, secrets: LdapSecrets): Promise<ConnectorTestResult> {
  const checks: ConnectorCheck[] = [];
  const skip = (...names: string[]) => names.forEach((name) => checks.push({ name, ok: false, skipped: true, detail: engineMessage('engine.ldap.test.skipped') }));
  let directory: LdapDirectory;
  try {
    directory = await LdapDirectory.open({ ...connectionOptions(settings, secrets), timeoutMs: Math.min(settings.timeoutMs, 10_000) });
    checks.push({ name: 'bind', ok: true, detail: engineMessage('engine.ldap.test.bound', { bindDn: settings.bindDn, tls: settings.tls }) });
  } catch (error) {
    checks.push({ name: 'bind', ok: false, detail: engineMessage('engine.ldap.test.bindFailed', { bindDn: settings.bindDn, detail: reason(error) }) });
    skip('baseDn', 'write');
    return { ok: false, checks };
  }
  try {
    const base = await directory.read(settings.baseDn, ['1.1']).catch((error: unknown) => error);
    if (base === null || base instanceof Error) {
      checks.push({ name: 'baseDn', ok: false, detail: engineMessage('engine.ldap.test.baseMissing', { dn: settings.baseDn, detail: base instanceof Error ? reason(base) : '' }) });
      skip('write');
      return { ok: false, checks };
    }
    checks.push({ name: 'baseDn', ok: true, detail: engineMessage('engine.ldap.test.baseFound', { dn: settings.baseDn }) });

    const where = (await directory.read(settings.orgsDn, ['1.1']).catch(() => null)) ? settings.orgsDn : settings.baseDn;
    const probe = childDn('ou', `ssc-probe-${randomBytes(6).toString('hex')}`, where);
    try {
      await directory.add(probe, { objectClass: 'organizationalUnit', ou: probe.slice(3, probe.indexOf(',')) });
      await directory.delete(probe);
      checks.push({ name: 'write', ok: true, detail: engineMessage('engine.ldap.test.writable', { dn: where }) });
    } catch (error) {
      checks.push({ name: 'write', ok: false, detail: engineMessage('engine.ldap.test.notWritable', { dn: where, detail: reason(error) }) });
    }
  } finally {
    await directory.close();
  }
  return { ok: checks.every((check) => check.ok), checks };
}

/** The failure as a stored message (rendered in the reader's language inside the step's). */
function reason(error: unknown): string {
  if (error instanceof PushError) return storeMessage(error.engineMessage);
  return error instanceof Error ? error.message : String(error);
}
