/** A SCIM resource body as we send it (no `id`, no `meta`: the downstream owns those). */
export type ScimBody = Record<string, unknown> & { schemas: string[] };
