/**
 * Distinguished names and filters built from directory data, escaped so a name is always data:
 * an org called `Sales, EMEA` or a user called `*)(uid=*` cannot change which entry is meant.
 */

/** An attribute value as an RDN value (RFC 4514 §2.4). */
export function escapeDnValue(value: string): string {
  let escaped = value.replace(/[\\,+"<>;=\u0000]/g, (char) => (char === '\u0000' ? '\\00' : `\\${char}`));
  // A leading space or '#', and a trailing space, are escaped too.
  if (escaped.startsWith(' ') || escaped.startsWith('#')) escaped = `\\${escaped}`;
  if (escaped.endsWith(' ') && !escaped.endsWith('\\ ')) escaped = `${escaped.slice(0, -1)}\\ `;
  return escaped;
}

/** `attribute=value`, with the value escaped. */
export function rdn(attribute: string, value: string): string {
  return `${attribute}=${escapeDnValue(value)}`;
}

/** An RDN under a parent DN. */
export function childDn(attribute: string, value: string, parentDn: string): string {
  return `${rdn(attribute, value)},${parentDn}`;
}

/** A value inside a search filter (RFC 4515 §3): `*`, `(`, `)`, `\` and NUL as hex escapes. */
export function escapeFilterValue(value: string): string {
  return value.replace(/[*()\\\u0000]/g, (char) => `\\${char.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** `(attribute=value)` with the value escaped. */
export function equalityFilter(attribute: string, value: string): string {
  return `(${attribute}=${escapeFilterValue(value)})`;
}

/**
 * Splits a DN into its RDNs at unescaped commas (enough for DNs this center writes and reads
 * back; multi-valued RDNs stay one piece).
 */
export function splitDn(dn: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let index = 0; index < dn.length; index += 1) {
    const char = dn[index]!;
    if (char === '\\' && index + 1 < dn.length) {
      current += char + dn[index + 1]!;
      index += 1;
    } else if (char === ',') {
      parts.push(current.trim());
      current = '';
    } else {
      current += char;
    }
  }
  if (current.trim() !== '') parts.push(current.trim());
  return parts;
}

/** The DN one level up, or '' for a single RDN. */
export function parentOf(dn: string): string {
  return splitDn(dn).slice(1).join(',');
}

/** An RDN value as written in a DN, back to the value: `\,` and `\2c` alike, hex escapes as UTF-8 bytes (`\e7\a0\94` is 研). */
export function unescapeDnValue(value: string): string {
  const bytes: number[] = [];
  for (let index = 0; index < value.length; index += 1) {
    const char = value[index]!;
    const hex = char === '\\' ? /^[0-9a-fA-F]{2}/.exec(value.slice(index + 1, index + 3)) : null;
    if (hex) {
      bytes.push(parseInt(hex[0], 16));
      index += 2;
    } else {
      if (char === '\\' && index + 1 < value.length) index += 1;
      bytes.push(...Buffer.from(value[index]!));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/**
 * One RDN in a comparable form: the attribute and the value lower case, the value unescaped, so
 * `ou=R\2c D` (how slapd writes a comma back) and `ou=R\, D` (how we escape it) are the same.
 */
export function canonicalRdn(part: string): string {
  const equals = part.indexOf('=');
  if (equals < 0) return part.toLowerCase();
  return `${part.slice(0, equals).trim().toLowerCase()}=${unescapeDnValue(part.slice(equals + 1).trim()).toLowerCase()}`;
}

/** A DN as its canonical RDNs (see `canonicalRdn`). */
export function canonicalDn(dn: string): string[] {
  return splitDn(dn).map(canonicalRdn);
}

/** Compares DNs the way directories do for the attributes we name with: case-insensitively, escapes and spaces around RDNs ignored. */
export function sameDn(a: string, b: string): boolean {
  return canonicalDn(a).join('\u0001') === canonicalDn(b).join('\u0001');
}

/** Whether `dn` is `base` or below it. */
export function isUnder(dn: string, base: string): boolean {
  const child = canonicalDn(dn);
  const parent = canonicalDn(base);
  if (parent.length > child.length) return false;
  return parent.every((part, index) => part === child[child.length - parent.length + index]);
}
