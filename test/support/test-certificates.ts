// Made by the same code as the demo's slapd certificates (examples/demo/ldap/certificates.ts).
export { makeThrowawayCertificates as makeTestCertificates, type ThrowawayCertificates as TestCertificates } from '../../examples/demo/ldap/certificates.js';
