import { URN } from '../urns.js';
import { attr, contactSubAttributes, type SchemaDef } from './attribute.js';

/** The part of RFC 7643 §4.1 this server fills from the mirror; nothing else is listed. */
export const USER_SCHEMA_DEF: SchemaDef = {
  id: URN.user,
  name: 'User',
  description: 'User account',
  attributes: [
    attr('userName', 'string', 'Unique identifier for the user, compared case-insensitively.', { required: true, uniqueness: 'server' }),
    attr('name', 'complex', "The components of the user's name.", {
      subAttributes: [
        attr('formatted', 'string', 'The full name, formatted for display.'),
        attr('familyName', 'string', 'The family name.'),
        attr('givenName', 'string', 'The given name.'),
        attr('middleName', 'string', 'The middle name(s).'),
        attr('honorificPrefix', 'string', 'The honorific prefix, e.g. "Ms."'),
        attr('honorificSuffix', 'string', 'The honorific suffix, e.g. "III".'),
      ],
    }),
    attr('displayName', 'string', 'The name shown to end users.'),
    attr('title', 'string', "The user's title, e.g. \"Vice President\"."),
    attr('preferredLanguage', 'string', 'The preferred language, e.g. "zh-CN".'),
    attr('locale', 'string', 'The locale, e.g. "en-US".'),
    attr('active', 'boolean', 'False for a deactivated user, and for a deleted one while its tombstone is retained.'),
    attr('emails', 'complex', 'Email addresses.', { multiValued: true, subAttributes: contactSubAttributes('email address', ['work', 'home', 'other']) }),
    attr('phoneNumbers', 'complex', 'Phone numbers.', {
      multiValued: true,
      subAttributes: contactSubAttributes('phone number', ['work', 'mobile', 'home', 'other']),
    }),
  ],
};

export const ENTERPRISE_USER_SCHEMA_DEF: SchemaDef = {
  id: URN.enterpriseUser,
  name: 'EnterpriseUser',
  description: 'Enterprise User',
  attributes: [
    attr('employeeNumber', 'string', 'The employee number.'),
    attr('department', 'string', "The name of the user's primary organization."),
    attr(
      'organization',
      'string',
      "The name of the root organization above the user's primary organization (for a scoped source, the top of its scope). Not filterable.",
    ),
    attr('manager', 'complex', "The user's manager.", {
      subAttributes: [
        attr('value', 'string', "The manager's id.", { caseExact: true }),
        attr('$ref', 'reference', "The URI of the manager's User resource.", { caseExact: true, referenceTypes: ['User'] }),
      ],
    }),
  ],
};

/** This project's extension: which organizations a user belongs to. */
export const USER_ORGS_SCHEMA_DEF: SchemaDef = {
  id: URN.userOrgs,
  name: 'UserOrgs',
  description: "The user's organizations, by Organization id.",
  attributes: [
    attr('primaryOrgId', 'string', "The id of the user's primary organization; one of orgIds.", { caseExact: true }),
    attr('orgIds', 'string', 'The ids of every organization the user belongs to (only those visible to this source).', {
      multiValued: true,
      caseExact: true,
    }),
  ],
};
