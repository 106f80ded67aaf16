import { common } from './messages/common.js';
import { consoleAuditMessages } from './messages/console-audit.js';
import { consoleLogMessages } from './messages/console-logs.js';
import { consolePushMessages } from './messages/console-push.js';
import { consoleRunMessages } from './messages/console-runs.js';
import { consoleStatusMessages } from './messages/console-status.js';
import { consoleMessages } from './messages/console.js';
import { consoleRoleMessages } from './messages/console-roles.js';
import { engineMessages } from './messages/engine.js';
import { engineLdapMessages } from './messages/engine-ldap.js';
import { mappingMessages } from './messages/mappings.js';
import { deletionHoldMessages } from './messages/deletion-holds.js';
import { downstreamShapeMessages } from './messages/downstream-shape.js';
import { reconcileMessages } from './messages/reconcile.js';
import { matchingMessages } from './messages/matching.js';
import { enginePushMessages } from './messages/engine-push.js';
import { engineAlertMessages } from './messages/engine-alerts.js';
import { consoleAlertMessages } from './messages/console-alerts.js';
import { onDemandMessages } from './messages/on-demand.js';
import { consoleMappingMessages } from './messages/console-mappings.js';
import { scopeMessages } from './messages/scope.js';
import { consoleLdapMessages } from './messages/console-ldap.js';

/**
 * Every area's messages. Each area (common, console, pull, push, …) lives in its own file under
 * messages/ so that features add strings without touching each other's.
 */
const AREAS = [common, consoleMessages, consoleRunMessages, consolePushMessages, consoleAuditMessages, engineMessages, mappingMessages, consoleLogMessages, deletionHoldMessages, consoleRoleMessages, downstreamShapeMessages, reconcileMessages, consoleStatusMessages, matchingMessages, enginePushMessages, engineAlertMessages, consoleAlertMessages, engineLdapMessages, onDemandMessages, consoleMappingMessages, scopeMessages, consoleLdapMessages] as const;

type Area = (typeof AREAS)[number];
export type MessageKey = Area extends infer A ? (A extends { en: Record<infer K, string> } ? K : never) : never;

export const CATALOGUES = {
  en: Object.assign({}, ...AREAS.map((area) => area.en)) as Record<MessageKey, string>,
  'zh-CN': Object.assign({}, ...AREAS.map((area) => area['zh-CN'])) as Record<MessageKey, string>,
};

/** Areas as declared, for the test that checks both languages have the same keys. */
export const MESSAGE_AREAS: ReadonlyArray<{ en: Record<string, string>; 'zh-CN': Record<string, string> }> = AREAS;
