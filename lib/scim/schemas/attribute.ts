/** An attribute definition as RFC 7643 §7 publishes it in /Schemas. */
export interface AttributeDef {
  name: string;
  type: 'string' | 'boolean' | 'decimal' | 'integer' | 'dateTime' | 'reference' | 'complex';
  multiValued: boolean;
  description: string;
  required: boolean;
  caseExact: boolean;
  mutability: 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
  returned: 'always' | 'never' | 'default' | 'request';
  uniqueness: 'none' | 'server' | 'global';
  subAttributes?: AttributeDef[];
  referenceTypes?: string[];
  canonicalValues?: string[];
}

export interface SchemaDef {
  id: string;
  name: string;
  description: string;
  attributes: AttributeDef[];
}

type Options = Partial<Omit<AttributeDef, 'name' | 'type' | 'description'>>;

/**
 * Builds a definition with this server's defaults: everything is read-only (the host directory
 * is the source of truth), singular, optional, returned by default.
 */
export function attr(name: string, type: AttributeDef['type'], description: string, options: Options = {}): AttributeDef {
  const def: AttributeDef = {
    name,
    type,
    multiValued: false,
    description,
    required: false,
    caseExact: false,
    mutability: 'readOnly',
    returned: 'default',
    uniqueness: 'none',
    ...options,
  };
  if (type === 'complex' && !def.subAttributes) def.subAttributes = [];
  return def;
}

/** The sub-attributes of an email or phone number, as the mirror keeps them. */
export function contactSubAttributes(kind: string, types: string[]): AttributeDef[] {
  return [
    attr('value', 'string', `The ${kind}.`),
    attr('type', 'string', `A label for the ${kind}, e.g. "${types[0]}".`, { canonicalValues: types }),
    attr('primary', 'boolean', `True for the user's primary ${kind}.`),
  ];
}

/** RFC 7643 §3.1 common attributes: every resource has them; they are not part of any schema document. */
export const COMMON_ATTRIBUTES: AttributeDef[] = [
  attr('id', 'string', 'The identifier the host directory gives the resource; stable and never reused.', {
    caseExact: true,
    returned: 'always',
    uniqueness: 'server',
  }),
  attr('externalId', 'string', 'An identifier from the provisioning client.', { caseExact: true }),
  attr('meta', 'complex', 'Resource metadata.', {
    subAttributes: [
      attr('resourceType', 'string', 'The resource type.', { caseExact: true }),
      attr('created', 'dateTime', 'When the resource first appeared in the mirror.'),
      attr('lastModified', 'dateTime', 'When the resource last changed in the mirror, deletion included.'),
      attr('location', 'reference', 'The URI of the resource.', { caseExact: true, referenceTypes: ['uri'] }),
      attr('version', 'string', 'A weak entity tag; it changes whenever the resource does.', { caseExact: true }),
    ],
  }),
];
