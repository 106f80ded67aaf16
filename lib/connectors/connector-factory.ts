import { engineMessage } from '../i18n/engine-message.js';
import { StopSyncError } from '../push/client/errors.js';
import type { ConnectorFactory } from '../push/push-targets.js';
import { LdapConnector } from './ldap/ldap-connector.js';

/**
 * The connectors the center knows, by a source's protocol: what the push engine's target factory
 * is given (the engine itself imports no connector). A third protocol adds its case here.
 */
export const connectorFor: ConnectorFactory = ({ protocol, settings, secrets }, { dryRun }) => {
  if (protocol === 'ldap' && settings.ldap) return new LdapConnector(settings.ldap, { bindPassword: secrets.bindPassword ?? '' }, { dryRun });
  throw new StopSyncError('config', engineMessage('engine.push.protocolUnavailable', { protocol }));
};
