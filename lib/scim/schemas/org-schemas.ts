import { URN } from '../urns.js';
import { attr, type SchemaDef } from './attribute.js';

/** This project's Organization resource: a node of the host's org tree. */
export const ORGANIZATION_SCHEMA_DEF: SchemaDef = {
  id: URN.organization,
  name: 'Organization',
  description: 'An organization (department) in the directory tree.',
  attributes: [
    attr('displayName', 'string', 'The name of the organization.', { required: true }),
    attr('code', 'string', 'The short code the directory gives the organization (department number).', { caseExact: true }),
    attr('parent', 'string', 'The id of the parent organization; absent for a root (and for the top of a scoped source).', {
      caseExact: true,
    }),
    attr('order', 'integer', 'Sort order among siblings, ascending.'),
    attr(
      'active',
      'boolean',
      'False when the organization was deleted: the tombstone stays visible to incremental pulls for the retention period, then the organization is gone (404).',
    ),
  ],
};

/** RFC 7643 §4.2: organizations served as groups whose members are their direct users. */
export const GROUP_SCHEMA_DEF: SchemaDef = {
  id: URN.group,
  name: 'Group',
  description: 'An organization served as a group; members are its direct users.',
  attributes: [
    attr('displayName', 'string', 'The name of the group (the organization).', { required: true }),
    attr('members', 'complex', 'The users directly in the organization.', {
      multiValued: true,
      subAttributes: [
        attr('value', 'string', 'The id of the member User.', { caseExact: true }),
        attr('$ref', 'reference', 'The URI of the member User.', { caseExact: true, referenceTypes: ['User'] }),
        attr('display', 'string', "The member's display name (or userName)."),
        attr('type', 'string', 'Always "User".', { canonicalValues: ['User'] }),
      ],
    }),
  ],
};
