import { slapdUnavailableReason } from '../../examples/demo/ldap/slapd.js';

// The throw-away slapd lives with the demo, which offers it as an LDAP destination; tests and
// benchmarks start it the same way.
export { SLAPD, startSlapd, type Slapd, type SlapdOperations, type SlapdOptions } from '../../examples/demo/ldap/slapd.js';

const unavailable = slapdUnavailableReason();
export const HAS_SLAPD = unavailable === null;

if (unavailable) {
  console.warn(`\n[LDAP tests] SKIPPED: ${unavailable}. CI installs it, so they run there.\n`);
}
