import { slapdUnavailableReason, startSlapd, type Slapd } from './slapd.js';

/** What the demo offers as its LDAP destination: a throw-away slapd, or why there is none. */
export type DemoSlapd = { slapd: Slapd; note: string } | { slapd: null; note: string };

export interface DemoSlapdOptions {
  /** `DEMO_LDAP=0` turns the LDAP destination off; anything else (or nothing) offers it when slapd is installed. */
  env: NodeJS.ProcessEnv;
  /** The ldaps port on 127.0.0.1 (`DEMO_LDAP_PORT`); 0 picks a free one. */
  ldapsPort: number;
  /** Checked before starting; the real check unless a test says otherwise. */
  unavailableReason?: () => string | null;
}

/**
 * Starts the demo's LDAP destination: a private slapd on loopback with an empty tree under
 * `dc=example,dc=test` (its database in a temporary folder, gone when the demo stops). Never
 * fails the demo: without slapd, or when it does not start, the demo runs without an LDAP
 * destination and the note says why.
 */
export async function startDemoSlapd(options: DemoSlapdOptions): Promise<DemoSlapd> {
  if (options.env.DEMO_LDAP === '0') return { slapd: null, note: 'no LDAP destination: DEMO_LDAP=0' };
  const unavailable = (options.unavailableReason ?? slapdUnavailableReason)();
  if (unavailable) return { slapd: null, note: `no LDAP destination: ${unavailable}` };
  try {
    const slapd = await startSlapd({ ports: { ldaps: options.ldapsPort } });
    return { slapd, note: `a throw-away slapd (OpenLDAP) is at ${slapd.ldapsUrl} (StartTLS on ${slapd.url}), its tree under ${slapd.suffix}` };
  } catch (error) {
    return { slapd: null, note: `no LDAP destination: slapd did not start (${firstLine(error)})` };
  }
}

/** The lines that tell an admin how to look at the tree the center writes; the password stays in its file (new at every start). */
export function slapdHowTo(slapd: Slapd): string[] {
  return [`look at its tree: LDAPTLS_CACERT=${slapd.caFile} ldapsearch -H ${slapd.ldapsUrl} -D '${slapd.rootDn}' -y ${slapd.rootPasswordFile} -b '${slapd.suffix}' dn`];
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]!.slice(0, 300);
}
