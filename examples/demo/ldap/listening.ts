import type { ChildProcess } from 'node:child_process';
import net from 'node:net';
import { sleep } from '../../../lib/util/sleep.js';

/** A free TCP port on 127.0.0.1 (free when asked; the caller binds it at once). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Waits until a server process listens on `port` on 127.0.0.1, or fails with what it printed. */
export async function waitUntilListening(port: number, child: ChildProcess, output: () => string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${child.spawnfile} exited with ${child.exitCode}: ${output()}`);
    if (await isListening(port)) return;
    await sleep(50);
  }
  throw new Error(`${child.spawnfile} did not listen on ${port} within ${timeoutMs} ms: ${output()}`);
}
