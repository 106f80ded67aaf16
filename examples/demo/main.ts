import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDemoApp } from './app.js';

/**
 * `npm start`: the demo host IdP on http://localhost:3000 (PORT to change it), with its data in
 * examples/demo/.data (DEMO_DATA_DIR to change it).
 */
const port = Number(process.env.PORT ?? 3000);
const dataDir = process.env.DEMO_DATA_DIR ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '.data');
const demo = await createDemoApp({ dataDir, publicOrigin: `http://localhost:${port}` });

const server = demo.app.listen(port, () => {
  for (const note of demo.notes) console.log(`demo: ${note}`);
  console.log(`demo: the IdP is at http://localhost:${port}  (sign in as admin / admin; viewer / viewer has no console access)`);
  console.log(`demo: the sync center is at http://localhost:${port}/sync-center/`);
});
await demo.center.start();

async function shutdown(signal: string): Promise<void> {
  console.log(`demo: ${signal}, shutting down`);
  server.close();
  await demo.close();
  process.exit(0);
}
process.once('SIGINT', () => void shutdown('SIGINT'));
process.once('SIGTERM', () => void shutdown('SIGTERM'));
