/**
 * A run's cancel flag without a query in the hot path. `latest()` answers at once with the last
 * answer the database gave and asks again in the background (one question in flight at a time),
 * so a page never waits for a cancel-check query queued behind the previous page's write
 * transaction on a single connection: a cancel is seen a page or so later, never missed.
 * `fresh()` waits for the database's answer, for the checks between phases.
 */
export class CancelWatch {
  #known = false;
  #asking: Promise<void> | null = null;

  constructor(private readonly ask: () => Promise<boolean>) {}

  /** The last known answer; starts a background question when none is in flight. */
  latest(): Promise<boolean> {
    if (!this.#known && this.#asking === null) {
      this.#asking = this.ask().then(
        (requested) => {
          this.#known ||= requested;
          this.#asking = null;
        },
        () => {
          this.#asking = null; // a failed question is asked again next time
        },
      );
    }
    return Promise.resolve(this.#known);
  }

  /** The database's answer now (after any question in flight). */
  async fresh(): Promise<boolean> {
    if (this.#known) return true;
    await this.#asking;
    this.#known ||= await this.ask();
    return this.#known;
  }

  /** Waits for the background question, so none outlives the run. */
  async idle(): Promise<void> {
    await this.#asking;
  }
}
