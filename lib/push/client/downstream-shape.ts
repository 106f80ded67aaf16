import { engineMessage, storeMessage, type EngineMessage } from '../../i18n/engine-message.js';
import { URN } from '../../scim/urns.js';
import type { OrgResourceShape, PushSettings } from '../../sources/source-types.js';
import { PushError, StopSyncError, TransientPushError } from './errors.js';
import type { ScimClient } from './scim-client.js';

/** One entry of the downstream's `/ResourceTypes` (RFC 7643 §6), as far as we use it. */
export interface ResourceTypeInfo {
  name: string;
  /** As published, e.g. `/Groups`. */
  endpoint: string;
  schema: string;
  extensions: string[];
}

/** What the downstream says it holds; a document it does not publish stays undefined. */
export interface DownstreamShape {
  resourceTypes: ResourceTypeInfo[] | undefined;
  /** Schema ids from `/Schemas`. */
  schemas: string[] | undefined;
  /** The `/ResourceTypes` request, for the connection test's line. */
  request: { method: string; path: string; status?: number; durationMs: number };
}

/** Settings the downstream would hold instead: what the wizard and the fix propose. */
export interface ShapeProposal {
  orgResource: OrgResourceShape;
  orgUrl: string;
}

/**
 * Whether the Org URL and "Send orgs as" fit what the downstream publishes. `unknown`: it
 * publishes neither document, so only a sync can tell (a run goes on as before).
 */
export type ShapeVerdict =
  | { kind: 'fits'; message: EngineMessage }
  | { kind: 'unknown'; message: EngineMessage }
  | { kind: 'mismatch'; message: EngineMessage; proposal?: ShapeProposal };

const SCHEMA_OF: Record<OrgResourceShape, string> = { organization: URN.organization, compat: URN.compatDepartment, group: URN.group };

/**
 * Reads `/ResourceTypes` and `/Schemas` next to the Org URL. A document the downstream does not
 * serve (404, 405, 501, junk) is left undefined: the check then says it does not know. Refused
 * credentials, a refused address and transient failures (5xx, 429, timeouts) are thrown, as the
 * client's own discovery does: what every other request would meet too, decided the same way
 * (a worker backs off; a verdict is never cached from a downstream that could not answer).
 */
export async function readDownstreamShape(client: ScimClient, orgUrl: string): Promise<DownstreamShape> {
  const base = client.baseOf(orgUrl);
  const started = performance.now();
  const request: DownstreamShape['request'] = { method: 'GET', path: new URL(`${base}/ResourceTypes`).pathname, durationMs: 0 };
  const types = await optional(client, `${base}/ResourceTypes`, request);
  request.durationMs = Math.round(performance.now() - started);
  const schemas = await optional(client, `${base}/Schemas`);
  return {
    resourceTypes: types === undefined ? undefined : listOf(types).flatMap(resourceTypeOf),
    schemas: schemas === undefined ? undefined : listOf(schemas).flatMap((entry) => (typeof entry?.id === 'string' ? [entry.id as string] : [])),
    request,
  };
}

/** The verdict on an org shape: a pure function of what the downstream published and the settings. */
export function checkOrgShape(shape: Pick<DownstreamShape, 'resourceTypes' | 'schemas'>, settings: Pick<PushSettings, 'orgUrl' | 'orgResource'>): ShapeVerdict {
  const orgUrl = settings.orgUrl!;
  const base = orgUrl.replace(/\/[^/]*$/, '');
  const path = new URL(orgUrl).pathname;
  const wanted = SCHEMA_OF[settings.orgResource];
  const types = shape.resourceTypes;
  if (!types) {
    // Only /Schemas: no endpoints to compare, but a downstream without any organization schema that has Groups is clear enough.
    if (!shape.schemas) return { kind: 'unknown', message: engineMessage('engine.shape.unpublished') };
    if (settings.orgResource !== 'group' && !shape.schemas.includes(wanted) && shape.schemas.includes(URN.group)) return noOrganizationType(`${base}/Groups`);
    return { kind: 'unknown', message: engineMessage('engine.shape.unpublished') };
  }
  const segment = orgUrl.split('/').pop()!.toLowerCase();
  const here = types.find((type) => type.endpoint.replace(/^\//, '').toLowerCase() === segment);
  const groups = types.find((type) => type.schema === URN.group);
  const organizations = types.find((type) => type.schema !== URN.group && type.schema !== URN.user && (type.schema === wanted || /organi[sz]ation|department/i.test(`${type.name} ${type.schema}`)));
  const urlOf = (type: ResourceTypeInfo) => `${base}/${type.endpoint.replace(/^\//, '')}`;
  /** The shape that sends what a resource type holds: ours when its schema is one of ours, else the one chosen. */
  const shapeFor = (type: ResourceTypeInfo) => (Object.keys(SCHEMA_OF) as OrgResourceShape[]).find((key) => SCHEMA_OF[key] === type.schema) ?? settings.orgResource;
  if (here?.schema === wanted) return { kind: 'fits', message: engineMessage('engine.shape.fits', { path, name: here.name }) };
  if (settings.orgResource === 'group') {
    if (!here) return noTypeAt(path, types, groups && { orgResource: 'group', orgUrl: urlOf(groups) });
    const ours = shapeFor(here);
    const proposal: ShapeProposal | undefined = ours !== 'group' ? { orgResource: ours, orgUrl } : groups ? { orgResource: 'group', orgUrl: urlOf(groups) } : undefined;
    return { kind: 'mismatch', message: engineMessage('engine.shape.notGroups', { path, name: here.name }), ...(proposal && { proposal }) };
  }
  if (here?.schema === URN.group) {
    return organizations
      ? { kind: 'mismatch', message: engineMessage('engine.shape.holdsGroups', { path, url: urlOf(organizations) }), proposal: { orgResource: shapeFor(organizations), orgUrl: urlOf(organizations) } }
      : noOrganizationType(orgUrl);
  }
  if (here && shapeFor(here) !== settings.orgResource) {
    return { kind: 'mismatch', message: engineMessage('engine.shape.otherShape', { path, name: here.name }), proposal: { orgResource: shapeFor(here), orgUrl } };
  }
  // The downstream's own organization type under another schema: only a sync can tell whether our body fits it.
  if (here && here.schema !== URN.user) return { kind: 'fits', message: engineMessage('engine.shape.fits', { path, name: here.name }) };
  if (!organizations && groups) return noOrganizationType(urlOf(groups));
  return noTypeAt(path, types, organizations && { orgResource: shapeFor(organizations), orgUrl: urlOf(organizations) });
}

/**
 * Before a run sends anything: an org shape the downstream cannot hold stops it with the
 * configuration error and its fix (a StopSyncError), rather than one failure per org. Read once
 * per run: the downstream may be reconfigured between runs.
 */
export async function requireFittingOrgShape(client: ScimClient, settings: Pick<PushSettings, 'orgUrl' | 'orgResource'>): Promise<void> {
  if (!settings.orgUrl) return;
  const verdict = checkOrgShape(await readDownstreamShape(client, settings.orgUrl), settings);
  if (verdict.kind === 'mismatch') throw new StopSyncError('config', verdict.message);
}

function noOrganizationType(groupsUrl: string): ShapeVerdict {
  return { kind: 'mismatch', message: engineMessage('engine.shape.noOrganizationType', { url: groupsUrl }), proposal: { orgResource: 'group', orgUrl: groupsUrl } };
}

function noTypeAt(path: string, types: readonly ResourceTypeInfo[], proposal: ShapeProposal | undefined): ShapeVerdict {
  const endpoints = types.map((type) => type.endpoint).join(', ') || '—';
  return { kind: 'mismatch', message: engineMessage('engine.shape.noTypeAt', { path, endpoints }), ...(proposal && { proposal }) };
}

async function optional(client: ScimClient, url: string, request?: DownstreamShape['request']): Promise<unknown> {
  try {
    const response = await client.get(url);
    if (request) request.status = response.status;
    return typeof response.body === 'object' && response.body !== null ? response.body : undefined;
  } catch (error) {
    if (error instanceof StopSyncError || error instanceof TransientPushError || !(error instanceof PushError)) throw error;
    if (request) request.status = error.status;
    return undefined;
  }
}

/** A ListResponse's resources, or a bare array (some servers answer that way). */
function listOf(body: unknown): any[] {
  if (Array.isArray(body)) return body;
  const resources = (body as { Resources?: unknown }).Resources;
  return Array.isArray(resources) ? resources : [];
}

function resourceTypeOf(entry: any): ResourceTypeInfo[] {
  if (typeof entry?.endpoint !== 'string' || typeof entry?.schema !== 'string') return [];
  const extensions = (Array.isArray(entry.schemaExtensions) ? entry.schemaExtensions : []).flatMap((extension: { schema?: unknown }) => (typeof extension?.schema === 'string' ? [extension.schema] : []));
  return [{ name: typeof entry.name === 'string' ? entry.name : entry.endpoint, endpoint: entry.endpoint, schema: entry.schema, extensions }];
}
