/** A value or a promise of it: host hooks may be sync or async. */
export type Awaitable<T> = T | Promise<T>;
