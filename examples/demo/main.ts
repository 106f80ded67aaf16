import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createDemoApp } from './app.js';
import { startDemoDownstream } from './downstream/index.js';

/**
 * `npm start`: the demo host IdP on http://localhost:3000 (PORT to change it) and the demo
 * downstream SCIM app on http://127.0.0.1:3001 (DOWNSTREAM_PORT), with the data in
 * examples/demo/.data (DEMO_DATA_DIR to change it).
 */
const port = Number(process.env.PORT ?? 3000);
const downstreamPort = Number(process.env.DOWNSTREAM_PORT ?? port + 1);
const dataDir = process.env.DEMO_DATA_DIR ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '.data');
mkdirSync(dataDir, { recursive: true });
const downstream = await startDemoDownstream({ port: downstreamPort, token: downstreamToken(dataDir) });
const demo = await createDemoApp({
  dataDir,
  publicOrigin: `http://localhost:${port}`,
  downstream: { url: downstream.url, scimUrl: downstream.scimUrl, token: downstreamToken(dataDir) },
});

const server = demo.app.listen(port, () => {
  for (const note of demo.notes) console.log(`demo: ${note}`);
  console.log(`demo: the IdP is at http://localhost:${port}  (sign in as admin / admin; viewer / viewer has no console access)`);
  console.log(`demo: the sync center is at http://localhost:${port}/sync-center/`);
  console.log(`demo: the demo downstream app (what it received) is at ${downstream.url}/`);
});
await demo.center.start();

async function shutdown(signal: string): Promise<void> {
  console.log(`demo: ${signal}, shutting down`);
  server.close();
  await demo.close();
  await downstream.close();
  process.exit(0);
}
process.once('SIGINT', () => void shutdown('SIGINT'));
process.once('SIGTERM', () => void shutdown('SIGTERM'));

/** The downstream's bearer token, kept with the demo data so the stored push source still works after a restart. */
function downstreamToken(dir: string): string {
  const file = path.join(dir, 'downstream-token');
  if (!existsSync(file)) writeFileSync(file, `demo_${randomBytes(24).toString('base64url')}\n`, { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}
