import { defineMessages } from '../define.js';

/** What the LDAP destination writes in logs and reasons; `{detail}` is the server's own words. */
export const engineLdapMessages = defineMessages({
  en: {
    'engine.ldap.failed': 'LDAP {operation} {dn}: the server answered result {code} "{detail}"',
    'engine.ldap.needsTls': 'LDAP {operation} {dn}: the server asks for TLS (use ldaps:// or StartTLS)',
    'engine.ldap.tlsFailed': 'LDAP {operation}: the TLS connection failed "{detail}"; check the server certificate and the CA',
    'engine.ldap.noAnswer': 'LDAP {operation} {dn}: no answer from the server "{detail}"',
  },
  'zh-CN': {
    'engine.ldap.failed': 'LDAP {operation} {dn}：服务器返回结果 {code} "{detail}"',
    'engine.ldap.needsTls': 'LDAP {operation} {dn}：服务器要求 TLS（请使用 ldaps:// 或 StartTLS）',
    'engine.ldap.tlsFailed': 'LDAP {operation}：TLS 连接失败 "{detail}"；请检查服务器证书和 CA',
    'engine.ldap.noAnswer': 'LDAP {operation} {dn}：服务器没有应答 "{detail}"',
  },
});
