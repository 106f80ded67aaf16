// The helpers live with the demo's slapd, which uses them without depending on test code.
export { freePort, isListening, waitUntilListening } from '../../examples/demo/ldap/listening.js';
