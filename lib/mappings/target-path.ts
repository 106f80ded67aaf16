/**
 * Where a mapping writes in the outgoing body (RFC 7644 §3.10 attribute notation, the subset a
 * mapping needs): `userName`, `name.givenName`, `emails[type eq "work"].value`, and an extension's
 * attribute after its schema URN, `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department`.
 */
export interface TargetPath {
  /** The extension schema the attribute belongs to; null for the core schema. */
  schema: string | null;
  attribute: string;
  /** `emails[type eq "work"]`: the element of a multi-valued attribute with this type. */
  type?: string;
  /** The sub-attribute (`givenName` of `name`, `value` of an e-mail). */
  sub?: string;
}

const NAME = '[A-Za-z][\\w$-]*';
const PATH = new RegExp(`^(${NAME})(?:\\[type eq "([^"\\\\]{1,64})"\\])?(?:\\.(${NAME}))?$`);

/** The parsed target, or null when it is not one a mapping can write. */
export function parseTargetPath(target: string): TargetPath | null {
  const trimmed = target.trim();
  let schema: string | null = null;
  let rest = trimmed;
  if (/^urn:/i.test(trimmed)) {
    // An attribute name never holds a colon, so the schema URN ends at the last one.
    const colon = trimmed.lastIndexOf(':');
    schema = trimmed.slice(0, colon);
    rest = trimmed.slice(colon + 1);
    if (!/^urn:[\w.-]+(:[\w.-]+)+$/i.test(schema)) return null;
  }
  const match = PATH.exec(rest);
  if (!match) return null;
  const [, attribute, type, sub] = match;
  if (type !== undefined && sub === undefined) return null; // `emails[type eq "work"]` alone names no value
  return { schema, attribute: attribute!, ...(type !== undefined ? { type } : {}), ...(sub !== undefined ? { sub } : {}) };
}

/** Writes `value` at `path` in `body`, creating the containers on the way (in the order written). */
export function assignAt(body: Record<string, unknown> & { schemas: string[] }, path: TargetPath, value: unknown): void {
  let container: Record<string, unknown> = body;
  if (path.schema) {
    if (!body.schemas.includes(path.schema)) body.schemas.push(path.schema);
    container = (body[path.schema] ??= {}) as Record<string, unknown>;
  }
  if (path.type !== undefined) {
    const list = (Array.isArray(container[path.attribute]) ? container[path.attribute] : (container[path.attribute] = [])) as Array<Record<string, unknown>>;
    let element: Record<string, unknown> | undefined;
    for (const entry of list) {
      if (entry.type === path.type) {
        element = entry;
        break;
      }
    }
    if (!element) list.push((element = path.sub === 'value' ? { value, type: path.type } : { type: path.type }));
    element[path.sub!] = value;
    return;
  }
  if (path.sub !== undefined) {
    const object = (typeof container[path.attribute] === 'object' && container[path.attribute] !== null ? container[path.attribute] : (container[path.attribute] = {})) as Record<string, unknown>;
    object[path.sub] = value;
    return;
  }
  container[path.attribute] = value;
}

/** The value at `path` in a body built by `assignAt` (or sent before), undefined when it has none. */
export function readAt(body: Record<string, unknown> | null | undefined, path: TargetPath): unknown {
  if (!body) return undefined;
  let container: unknown = body;
  if (path.schema) container = body[path.schema];
  if (typeof container !== 'object' || container === null) return undefined;
  const held = (container as Record<string, unknown>)[path.attribute];
  if (path.type !== undefined) {
    if (!Array.isArray(held)) return undefined;
    const element = held.find((entry) => (entry as Record<string, unknown> | null)?.type === path.type) as Record<string, unknown> | undefined;
    return element?.[path.sub!];
  }
  if (path.sub !== undefined) return typeof held === 'object' && held !== null && !Array.isArray(held) ? (held as Record<string, unknown>)[path.sub] : undefined;
  return held;
}

/**
 * The attribute path the push diff compares for a target (`lib/push/diff.ts` `flatten`):
 * `name.givenName` per sub-attribute, an extension's attribute by its full name, a typed element
 * of a multi-valued attribute as the whole attribute (`emails`).
 */
export function diffPathOf(path: TargetPath): string {
  if (path.schema) return `${path.schema}:${path.attribute}`;
  if (path.attribute === 'name' && path.sub !== undefined && path.type === undefined) return `name.${path.sub}`;
  return path.attribute;
}
