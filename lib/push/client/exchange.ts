import type { Dispatcher } from 'undici';
import { engineMessage } from '../../i18n/engine-message.js';
import { PushError, TransientPushError } from './errors.js';
import { connectFailure } from './connect-failure.js';
import { errorForNetworkFailure } from './status-mapping.js';

/** The largest answer read; a longer one fails the request (a transient failure: nothing is parsed). */
export const MAX_BODY_BYTES = 5 * 1024 * 1024;

/** One request, as `exchange()` sends it: the URL already split into origin and path. */
export interface ExchangeRequest {
  origin: string;
  path: string;
  method: Dispatcher.HttpMethod;
  headers: Readonly<Record<string, string>>;
  body: string | undefined;
}

/** An answer read to its end: the status, its `Retry-After` when it has one, the body as text ('' when empty). */
export interface ExchangeResponse {
  status: number;
  retryAfter: string | undefined;
  text: string;
}

/**
 * Ends the requests in flight of one client when its closing signal aborts, with one listener on
 * the signal while any request is in flight (not one per request).
 */
export class InFlight {
  readonly #requests = new Set<ExchangeHandler>();
  readonly #onAbort = () => {
    for (const request of this.#requests) request.abort(this.signal!.reason);
  };

  constructor(readonly signal: AbortSignal | undefined) {}

  add(request: ExchangeHandler): void {
    if (this.signal && this.#requests.size === 0) this.signal.addEventListener('abort', this.#onAbort);
    this.#requests.add(request);
  }

  delete(request: ExchangeHandler): void {
    if (!this.#requests.delete(request)) return;
    if (this.signal && this.#requests.size === 0) this.signal.removeEventListener('abort', this.#onAbort);
  }
}

/**
 * Sends one request through undici's `dispatch` and reads the whole answer, up to
 * `MAX_BODY_BYTES`. This is what `undici.request()` + `body.text()` did, without the Readable
 * stream, the async resource and the per-request abort listener they cost (a full push makes
 * 100k of these). The agent's timeouts and keep-alive apply as they do to `request()`; failures
 * map as they did: no answer → `connectFailure`, a broken answer → a transient failure with its status.
 */
export function exchange(agent: Dispatcher, request: ExchangeRequest, inFlight: InFlight): Promise<ExchangeResponse> {
  return new Promise((resolve, reject) => {
    const handler = new ExchangeHandler(request, inFlight, resolve, reject);
    if (inFlight.signal?.aborted) {
      handler.onError(inFlight.signal.reason);
      return;
    }
    inFlight.add(handler);
    agent.dispatch({ origin: request.origin, path: request.path, method: request.method, headers: request.headers, body: request.body }, handler);
  });
}

/** undici's handler interface, collecting the body's chunks; settles its promise once. */
class ExchangeHandler implements Dispatcher.DispatchHandler {
  #abort: ((error?: Error) => void) | null = null;
  #status = 0;
  #rawHeaders: Buffer[] | null = null;
  #chunks: Buffer[] = [];
  #size = 0;
  #settled = false;

  constructor(
    private readonly request: ExchangeRequest,
    private readonly inFlight: InFlight,
    private readonly resolve: (response: ExchangeResponse) => void,
    private readonly reject: (error: unknown) => void,
  ) {}

  /** Ends the request with `reason` (closing, an answer too large); undici then calls `onError`. */
  abort(reason: unknown): void {
    const error = reason instanceof Error ? reason : new Error(String(reason));
    if (this.#abort) this.#abort(error);
    else this.onError(error);
  }

  onConnect(abort: (error?: Error) => void): void {
    // Ended while it waited for a connection (closing): it must not go out now.
    if (this.#settled) abort(new Error('request ended before it was sent'));
    else this.#abort = abort;
  }

  onHeaders(status: number, rawHeaders: Buffer[] | string[] | null, _resume: () => void): boolean {
    if (status < 200) return true; // 1xx: the answer is still to come
    this.#status = status;
    this.#rawHeaders = rawHeaders as Buffer[] | null;
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.#size += chunk.length;
    if (this.#size > MAX_BODY_BYTES) {
      const { method, path } = this.request;
      this.abort(new TransientPushError(engineMessage('engine.push.responseTooLarge', { method, path, max: MAX_BODY_BYTES }), { method, path, status: this.#status }));
      return false;
    }
    this.#chunks.push(chunk);
    return true;
  }

  onComplete(): void {
    if (this.#settled) return;
    this.#settled = true;
    this.inFlight.delete(this);
    this.resolve({ status: this.#status, retryAfter: this.#status >= 300 ? headerOf(this.#rawHeaders, 'retry-after') : undefined, text: decode(this.#chunks, this.#size) });
  }

  onError(error: Error): void {
    if (this.#settled) return;
    this.#settled = true;
    this.inFlight.delete(this);
    const { method, path } = this.request;
    if (error instanceof PushError) this.reject(error);
    // No status yet: the request got no answer. With one, the answer broke off (reset, body timeout).
    else if (this.#status === 0) this.reject(connectFailure(error, { method, path }));
    else this.reject(errorForNetworkFailure(error, { method, path, status: this.#status }));
  }
}

/** A header of undici's raw list (name, value, name, value…), the first when repeated. */
function headerOf(rawHeaders: ReadonlyArray<Buffer | string> | null, name: string): string | undefined {
  if (!rawHeaders) return undefined;
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    const key = rawHeaders[index]!;
    if (key.length === name.length && key.toString('latin1').toLowerCase() === name) return rawHeaders[index + 1]!.toString('latin1');
  }
  return undefined;
}

/** The body as UTF-8 text, a byte order mark skipped (as undici's `body.text()` does). */
function decode(chunks: readonly Buffer[], size: number): string {
  if (size === 0) return '';
  const buffer = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
  const start = buffer.length > 2 && buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf ? 3 : 0;
  return buffer.toString('utf8', start);
}
