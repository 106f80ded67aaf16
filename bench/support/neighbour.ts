import { spawn, type ChildProcess } from 'node:child_process';

/**
 * A CPU-burning neighbour: a child process that spins on one core until stopped, so a figure
 * taken while it runs shows what the center does on a busy machine, not on an idle one.
 * (d) and (e) of bench/push.ts run with one (`--neighbours=N` for more, 0 for none).
 */
export interface Neighbour {
  stop(): Promise<void>;
}

const SPIN = 'let x = 0; for (;;) { x = (x * 1103515245 + 12345) % 2147483648; }';

export function startNeighbours(count: number): Neighbour {
  const children: ChildProcess[] = Array.from({ length: count }, () => spawn(process.execPath, ['-e', SPIN], { stdio: 'ignore' }));
  return {
    async stop() {
      await Promise.all(
        children.map((child) => {
          if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
          const exited = new Promise((resolve) => child.once('exit', resolve));
          child.kill('SIGKILL');
          return exited;
        }),
      );
    },
  };
}
