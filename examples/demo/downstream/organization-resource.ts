import SCIMMY from 'scimmy';
import { OrganizationSchema } from './schemas.js';

type Handler = (resource: any, ...rest: any[]) => any;

/**
 * `/Organizations`, a custom scimmy resource type. It follows the shape of scimmy's own User and
 * Group resources (read, write, patch, dispose around ingress/egress/degress handlers), because
 * scimmy declares resource types as classes.
 */
export class OrganizationResource extends SCIMMY.Types.Resource<any> {
  static #basepath: string | undefined;
  static #ingress: Handler = () => {
    throw new SCIMMY.Types.Error(501, null as unknown as string, 'ingress not implemented');
  };
  static #egress: Handler = () => {
    throw new SCIMMY.Types.Error(501, null as unknown as string, 'egress not implemented');
  };
  static #degress: Handler = () => {
    throw new SCIMMY.Types.Error(501, null as unknown as string, 'degress not implemented');
  };

  static override get endpoint(): string {
    return '/Organizations';
  }

  static override basepath(path?: string): any {
    if (path === undefined) return OrganizationResource.#basepath;
    OrganizationResource.#basepath = path.endsWith(OrganizationResource.endpoint) ? path : `${path}${OrganizationResource.endpoint}`;
    return OrganizationResource;
  }

  static override get schema(): any {
    return OrganizationSchema;
  }

  static override ingress(handler: Handler): any {
    OrganizationResource.#ingress = handler;
    return OrganizationResource;
  }

  static override egress(handler: Handler): any {
    OrganizationResource.#egress = handler;
    return OrganizationResource;
  }

  static override degress(handler: Handler): any {
    OrganizationResource.#degress = handler;
    return OrganizationResource;
  }

  override async read(ctx?: unknown): Promise<any> {
    const source = await OrganizationResource.#egress(this, ctx);
    const target = this.id ? [source].flat().shift() : source;
    if (!this.id && Array.isArray(target)) {
      return new SCIMMY.Messages.ListResponse(
        target.map((org) => new OrganizationSchema(org, 'out', OrganizationResource.basepath(), this.attributes)),
        this.constraints,
      );
    }
    if (target instanceof Object) return new OrganizationSchema(target, 'out', OrganizationResource.basepath(), this.attributes);
    throw new SCIMMY.Types.Error(404, null as unknown as string, `Resource ${this.id} not found`);
  }

  override async write(instance: any, ctx?: unknown): Promise<any> {
    if (Object(instance) !== instance || Array.isArray(instance)) throw new SCIMMY.Types.Error(400, 'invalidSyntax', 'expected a single resource');
    const target = await OrganizationResource.#ingress(this, new OrganizationSchema(instance, 'in'), ctx);
    return new OrganizationSchema(target, 'out', OrganizationResource.basepath(), this.attributes);
  }

  override async patch(message: any, ctx?: unknown): Promise<any> {
    if (!this.id) throw new SCIMMY.Types.Error(404, null as unknown as string, 'PATCH operation must target a specific resource');
    return new SCIMMY.Messages.PatchOp(message)
      .apply(await this.read(ctx), async (instance: any) => this.write(instance, ctx))
      .then((instance: any) => (instance ? new OrganizationSchema(instance, 'out', OrganizationResource.basepath(), this.attributes) : undefined));
  }

  override async dispose(ctx?: unknown): Promise<void> {
    if (!this.id) throw new SCIMMY.Types.Error(404, null as unknown as string, 'DELETE operation must target a specific resource');
    await OrganizationResource.#degress(this, ctx);
  }
}
