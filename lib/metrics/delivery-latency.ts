/**
 * Change committed → delivered, for the changes this process committed: their commit times sit
 * in a bounded map (the oldest go first), and each delivery log row that names a change's
 * sequence number times it. Changes committed on another instance are timed by that instance.
 */
export class DeliveryLatency {
  readonly #committedAt = new Map<number, number>();

  constructor(
    private readonly observe: (seconds: number) => void,
    private readonly now: () => number = () => performance.now(),
    private readonly capacity = 10_000,
  ) {}

  committed(seq: number): void {
    if (this.#committedAt.size >= this.capacity) this.#committedAt.delete(this.#committedAt.keys().next().value!);
    this.#committedAt.set(seq, this.now());
  }

  /** A source delivered change `seq` (each source's delivery is timed on its own). */
  delivered(seq: number): void {
    const at = this.#committedAt.get(seq);
    if (at !== undefined) this.observe((this.now() - at) / 1000);
  }
}
