/**
 * Whether an object has an own enumerable key: for…in with a stop at the first one, not
 * `Object.keys(…).length`, which builds an array per call (once per object on a 100k-user push).
 */
export function hasOwnKeys(object: object): boolean {
  for (const key in object) if (Object.hasOwn(object, key)) return true;
  return false;
}
