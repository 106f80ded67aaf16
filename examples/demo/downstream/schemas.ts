import SCIMMY from 'scimmy';
import { URN } from '../../../lib/scim/urns.js';

const { Attribute, SchemaDefinition, Schema } = SCIMMY.Types;

/**
 * scimmy 1.3 only constructs schema definitions under `urn:ietf:params:scim:schemas:`, while
 * scim-sync-center's schemas (rightly) live in their own namespace. A real app adopting them
 * would patch that check; the demo constructs under a placeholder and then sets the real id.
 */
function definition(name: string, urn: string, description: string, attributes: InstanceType<typeof Attribute>[]) {
  const placeholder = new SchemaDefinition(name, `urn:ietf:params:scim:schemas:extension:demo:2.0:${name}`, description, attributes);
  placeholder.id = urn;
  return placeholder;
}

/** Our UserOrgs extension, declared so the downstream accepts and keeps a user's org ids. */
export class UserOrgsSchema extends Schema {
  static readonly #definition = definition('UserOrgs', URN.userOrgs, "The user's orgs (scim-sync-center)", [
    new Attribute('string', 'primaryOrgId', { description: 'The id of the main org' }),
    new Attribute('string', 'orgIds', { multiValued: true, description: 'The ids of every org of the user' }),
  ]);

  static override get id(): string {
    return UserOrgsSchema.#definition.id;
  }

  static override get definition() {
    return UserOrgsSchema.#definition;
  }

  constructor(resource: object, direction = 'both', basepath?: string, filters?: unknown) {
    super(resource, direction);
    Object.assign(this, UserOrgsSchema.#definition.coerce(resource, direction, basepath, filters as never));
  }
}

/** The Organization resource of scim-sync-center, as a third-party scimmy server declares it. */
export class OrganizationSchema extends Schema {
  static readonly #definition = definition('Organization', URN.organization, 'An org (department) of the IdP', [
    new Attribute('string', 'displayName', { required: true, description: 'The org name' }),
    new Attribute('string', 'code', { description: 'The short code of the org' }),
    new Attribute('string', 'parent', { description: "The parent org's id; absent for a root" }),
    new Attribute('integer', 'order', { description: 'Sibling order' }),
  ]);

  static override get id(): string {
    return OrganizationSchema.#definition.id;
  }

  static override get definition() {
    return OrganizationSchema.#definition;
  }

  constructor(resource: object, direction = 'both', basepath?: string, filters?: unknown) {
    super(resource, direction);
    Object.assign(this, OrganizationSchema.#definition.coerce(resource, direction, basepath, filters as never));
  }
}
