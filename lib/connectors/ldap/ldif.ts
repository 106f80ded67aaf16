import { isSecretAttribute } from './ldap-entries.js';
import type { LdapChange } from './ldap-directory.js';

/** One write the connector applies, or in a dry run records: what the LDIF shows. */
export type LdapOperation =
  | { type: 'add'; dn: string; attributes: Record<string, string | string[] | Buffer> }
  | { type: 'modify'; dn: string; changes: LdapChange[] }
  | { type: 'modrdn'; dn: string; newRdn: string; newParent: string }
  | { type: 'delete'; dn: string };

/**
 * RFC 2849 change records for these operations, attribute by attribute, in order. A value that
 * is not a safe string (non-ASCII, leading space/colon/<, trailing space, line breaks) is base64
 * as the RFC asks, preceded by a comment with the text so an admin can read it. Secrets
 * (`unicodePwd`, `userPassword`) are never written: a comment says one is set.
 * `ldapmodify -f` applies the result as it is.
 */
export function renderLdif(operations: readonly LdapOperation[]): string {
  const records = operations.map((operation) => {
    const lines = [line('dn', operation.dn)];
    switch (operation.type) {
      case 'add':
        lines.push('changetype: add');
        for (const [name, value] of Object.entries(operation.attributes)) {
          if (isSecretAttribute(name)) {
            lines.push(`# ${name}: (a random password is set; not shown)`);
            continue;
          }
          for (const item of valuesOf(value)) lines.push(line(name, item));
        }
        break;
      case 'modify':
        lines.push('changetype: modify');
        for (const change of operation.changes) {
          lines.push(`${change.operation}: ${change.attribute}`);
          for (const value of change.values) lines.push(isSecretAttribute(change.attribute) ? `# (not shown)` : line(change.attribute, value));
          lines.push('-');
        }
        break;
      case 'modrdn':
        lines.push('changetype: modrdn', line('newrdn', operation.newRdn), 'deleteoldrdn: 1', line('newsuperior', operation.newParent));
        break;
      case 'delete':
        lines.push('changetype: delete');
        break;
    }
    return lines.join('\n');
  });
  return records.length > 0 ? `version: 1\n\n${records.join('\n\n')}\n` : '';
}

function valuesOf(value: string | string[] | Buffer): string[] {
  if (Buffer.isBuffer(value)) return [value.toString('utf8')];
  return Array.isArray(value) ? value : [value];
}

/** RFC 2849 SAFE-STRING: ASCII without NUL/CR/LF, not starting with space, colon or '<'. */
const SAFE = /^(?:[\x01-\x09\x0B\x0C\x0E-\x1F\x21-\x39\x3B\x3D-\x7F][\x01-\x09\x0B\x0C\x0E-\x7F]*)?$/;

function line(name: string, value: string): string {
  if (SAFE.test(value) && !value.endsWith(' ')) return `${name}: ${value}`;
  const encoded = `${name}:: ${Buffer.from(value, 'utf8').toString('base64')}`;
  // A readable copy for the admin, on one line (line breaks shown as \n).
  return `# ${name}: ${value.replace(/\r?\n/g, '\\n')}\n${encoded}`;
}
