import { fork, type ChildProcess } from 'node:child_process';

/**
 * A benchmark's other side in its own process (own event loop, own CPU and memory accounting),
 * driven by tasks over IPC: the parent sends `{ id, task }`, the child answers `{ id, result }`
 * or `{ id, error }`.
 */
export interface ChildTasks {
  run<T>(task: Record<string, unknown> & { type: string }): Promise<T>;
  close(): Promise<void>;
}

type Reply = { id: number; result?: unknown; error?: string };

export function startChild(file: URL): ChildTasks {
  const child: ChildProcess = fork(file, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let nextId = 0;
  child.on('message', (reply: Reply) => {
    const waiter = pending.get(reply.id);
    pending.delete(reply.id);
    if (reply.error !== undefined) waiter?.reject(new Error(`child task failed: ${reply.error}`));
    else waiter?.resolve(reply.result);
  });
  child.on('exit', (code) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`child exited with ${code}`));
    pending.clear();
  });
  return {
    run<T>(task: Record<string, unknown> & { type: string }): Promise<T> {
      const id = ++nextId;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
        child.send({ id, task });
      });
    },
    async close() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.disconnect();
      await exited;
    },
  };
}

/** The child's side: answers each task with its handler; exits when the parent disconnects. */
export function serveTasks(handlers: Record<string, (task: any) => Promise<unknown>>): void {
  process.on('message', async ({ id, task }: { id: number; task: { type: string } }) => {
    try {
      const handler = handlers[task.type];
      if (!handler) throw new Error(`unknown task ${task.type}`);
      process.send!({ id, result: await handler(task) });
    } catch (error) {
      process.send!({ id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    }
  });
  process.on('disconnect', () => process.exit(0));
}
