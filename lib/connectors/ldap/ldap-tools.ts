import type { LdapTools } from '../../push/ldap-tools.js';
import { LdapConnector } from './ldap-connector.js';
import { validateLdapSettings, type LdapUrlPolicy } from './ldap-settings.js';
import { readLdapTree } from './ldap-tree.js';

/** The LDAP connector's parts the push API uses for the console (see `LdapTools`), under the host's policy. */
export function createLdapTools(policy: LdapUrlPolicy): LdapTools {
  return {
    check: (input) => validateLdapSettings(input, policy),
    async testConnection(settings, secrets) {
      const connector = new LdapConnector(settings, secrets);
      try {
        return await connector.testConnection();
      } finally {
        await connector.close();
      }
    },
    readTree: readLdapTree,
  };
}
