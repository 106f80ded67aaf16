/** Every table the center owns. All start with `sync_` so they sit safely in a host's database. */
export const TABLES = {
  migrations: 'sync_migrations',
  migrationsLock: 'sync_migrations_lock',
  counters: 'sync_counters',
  users: 'sync_users',
  userEmails: 'sync_user_emails',
  userPhones: 'sync_user_phones',
  userOrgs: 'sync_user_orgs',
  userOrgExits: 'sync_user_org_exits',
  orgs: 'sync_orgs',
  orgExits: 'sync_org_exits',
  changes: 'sync_changes',
  sources: 'sync_sources',
  cursors: 'sync_cursors',
  links: 'sync_links',
  runs: 'sync_runs',
  runItems: 'sync_run_items',
  deliveryLog: 'sync_delivery_log',
  pullLog: 'sync_pull_log',
  auditLog: 'sync_audit_log',
  leases: 'sync_leases',
  pushMembers: 'sync_push_members',
  pushState: 'sync_push_state',
  pushRetries: 'sync_push_retries',
  oauthTokens: 'sync_oauth_tokens',
  alertEpisodes: 'sync_alert_episodes',
} as const;

/** The name of the counter that hands out change sequence numbers. */
export const CHANGE_SEQUENCE = 'change_seq';
