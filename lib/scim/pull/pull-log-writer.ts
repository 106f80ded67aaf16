import type { Logger } from '../../options.js';
import type { IncrementalLog, PullLogInput } from '../../runs/incremental-log.js';

const BATCH = 200;
const FLUSH_AFTER_MS = 250;

/**
 * Writes the pull log off the request path: entries are queued and inserted in batches, so a
 * SCIM read never waits for a log write (on sqlite that write would queue behind the single
 * connection). `flush()` drains the queue; the center calls it on close(), tests before reading.
 */
export class PullLogWriter {
  #queue: PullLogInput[] = [];
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly log: IncrementalLog,
    private readonly logger: Logger,
  ) {}

  record(entry: PullLogInput): void {
    this.#queue.push(entry);
    if (this.#queue.length >= BATCH) void this.flush();
    else if (!this.#timer) {
      this.#timer = setTimeout(() => void this.flush(), FLUSH_AFTER_MS);
      this.#timer.unref();
    }
  }

  /** Resolves when everything recorded so far is written (or reported as failed). */
  flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#queue;
    this.#queue = [];
    this.#writing = this.#writing.then(() => this.#write(batch));
    return this.#writing;
  }

  async #write(batch: PullLogInput[]): Promise<void> {
    if (batch.length === 0) return;
    try {
      await this.log.recordPulls(batch);
    } catch {
      // A source deleted meanwhile fails its rows' foreign key; keep the other rows.
      for (const entry of batch) {
        try {
          await this.log.recordPull(entry);
        } catch (error) {
          this.logger.warn('scim-sync-center: could not write a pull log entry', error instanceof Error ? error.message : error);
        }
      }
    }
  }
}
