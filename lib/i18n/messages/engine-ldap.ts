import { defineMessages } from '../define.js';

/** What the LDAP destination writes in logs and reasons; `{detail}` is the server's own words. */
export const engineLdapMessages = defineMessages({
  en: {
    'engine.ldap.failed': 'LDAP {operation} {dn}: the server answered result {code} "{detail}"',
    'engine.ldap.needsTls': 'LDAP {operation} {dn}: the server asks for TLS (use ldaps:// or StartTLS)',
    'engine.ldap.tlsFailed': 'LDAP {operation}: the TLS connection failed "{detail}"; check the server certificate and the CA',
    'engine.ldap.noAnswer': 'LDAP {operation} {dn}: no answer from the server "{detail}"',
    'engine.ldap.notAUser': 'LDAP {dn}: only users are disabled; orgs are deleted or kept',
    'engine.ldap.ambiguous': 'LDAP: {count} entries have {attribute}={value}; the user is not matched to any of them',
    'engine.ldap.containerMissing': 'LDAP: the container {dn} does not exist and is not an OU the center can create',
    'engine.ldap.gone': 'LDAP: no entry has the id {id} any more',
    'engine.ldap.test.skipped': 'Not tried: an earlier step failed',
    'engine.ldap.test.bound': 'Bound as {bindDn} ({tls})',
    'engine.ldap.test.bindFailed': 'Could not bind as {bindDn}: {detail}',
    'engine.ldap.test.baseFound': 'The base DN {dn} exists',
    'engine.ldap.test.baseMissing': 'The base DN {dn} does not exist or cannot be read {detail}',
    'engine.ldap.test.writable': 'The account may write under {dn} (a probe entry was added and deleted)',
    'engine.ldap.test.notWritable': 'The account may not write under {dn}: {detail}',
  },
  'zh-CN': {
    'engine.ldap.failed': 'LDAP {operation} {dn}：服务器返回结果 {code} "{detail}"',
    'engine.ldap.needsTls': 'LDAP {operation} {dn}：服务器要求 TLS（请使用 ldaps:// 或 StartTLS）',
    'engine.ldap.tlsFailed': 'LDAP {operation}：TLS 连接失败 "{detail}"；请检查服务器证书和 CA',
    'engine.ldap.noAnswer': 'LDAP {operation} {dn}：服务器没有应答 "{detail}"',
    'engine.ldap.notAUser': 'LDAP {dn}：只有用户会被停用；组织要么删除，要么保留',
    'engine.ldap.ambiguous': 'LDAP：有 {count} 个条目的 {attribute}={value}，该用户不与其中任何一个匹配',
    'engine.ldap.containerMissing': 'LDAP：容器 {dn} 不存在，且不是同步中心可以创建的 OU',
    'engine.ldap.gone': 'LDAP：已没有 ID 为 {id} 的条目',
    'engine.ldap.test.skipped': '未尝试：前面的步骤失败了',
    'engine.ldap.test.bound': '已以 {bindDn} 绑定（{tls}）',
    'engine.ldap.test.bindFailed': '无法以 {bindDn} 绑定：{detail}',
    'engine.ldap.test.baseFound': '基准 DN {dn} 存在',
    'engine.ldap.test.baseMissing': '基准 DN {dn} 不存在或无法读取 {detail}',
    'engine.ldap.test.writable': '该账号可以在 {dn} 下写入（已添加并删除一个探测条目）',
    'engine.ldap.test.notWritable': '该账号不能在 {dn} 下写入：{detail}',
  },
});
