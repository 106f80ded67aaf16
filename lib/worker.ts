/** Something the center runs between start() and close(): delivery workers, schedules. */
export interface Worker {
  start(): Promise<void>;
  stop(): Promise<void>;
}
