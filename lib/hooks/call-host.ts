import { HostHookError } from '../errors.js';

/** Every call into host code goes through here, so a host failure is never mistaken for ours. */
export async function callHost<T>(hook: string, call: () => T | Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (cause) {
    throw new HostHookError(hook, cause);
  }
}
