import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createDemoApp } from './app.js';
import { startDemoDownstream } from './downstream/index.js';
import { slapdHowTo, startDemoSlapd } from './ldap/demo-slapd.js';
import { bindingNote, browserOrigin, demoHost, listen } from './listen.js';

/**
 * `npm start`: the demo host IdP on http://127.0.0.1:3000 (HOST and PORT to change it) and the
 * demo downstream SCIM app on http://127.0.0.1:3001 (DOWNSTREAM_PORT), with the data in
 * examples/demo/.data (DEMO_DATA_DIR to change it). Where slapd is installed, also a throw-away
 * OpenLDAP server on ldaps://127.0.0.1:3002 (DEMO_LDAP_PORT; DEMO_LDAP=0 for none), offered as
 * a disabled LDAP destination.
 */
const host = demoHost(process.env);
const port = Number(process.env.PORT ?? 3000);
const downstreamPort = Number(process.env.DOWNSTREAM_PORT ?? (port === 0 ? 0 : port + 1));
const ldapsPort = Number(process.env.DEMO_LDAP_PORT ?? (port === 0 ? 0 : port + 2));
const dataDir = process.env.DEMO_DATA_DIR ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '.data');
mkdirSync(dataDir, { recursive: true });

// Bound first, so that a taken port fails at once and the printed address is the real one.
const server = http.createServer((_req, res) => {
  res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '2' }).end('The demo is starting; reload in a few seconds.\n');
});
const address = await listen(server, port, host);
const origin = browserOrigin(address);

const token = downstreamToken(dataDir);
const downstream = await startDemoDownstream({ port: downstreamPort, token });
const { slapd, note: slapdNote } = await startDemoSlapd({ env: process.env, ldapsPort });
const demo = await createDemoApp({
  dataDir,
  publicOrigin: origin,
  downstream: { url: downstream.url, scimUrl: downstream.scimUrl, token },
  ldap: slapd ? { url: slapd.ldapsUrl, ca: slapd.ca, bindDn: slapd.rootDn, bindPassword: slapd.rootPassword, baseDn: slapd.suffix } : undefined,
});
server.removeAllListeners('request');
server.on('request', demo.app);

for (const note of demo.notes) console.log(`demo: ${note}`);
console.log(`demo: ${bindingNote(address)}`);
console.log(`demo: the IdP is at ${origin}  (sign in as admin / admin; viewer / viewer has no console access)`);
console.log(`demo: the sync center is at ${origin}/sync-center/`);
console.log(`demo: ${slapdNote}`);
if (slapd) for (const line of slapdHowTo(slapd)) console.log(`demo: ${line}`);
console.log(`demo: the demo downstream app (what it received) is at ${downstream.url}/`);
console.log(`demo: its SCIM base URL is ${downstream.scimUrl}, its bearer token ${token} (a demo secret, printed on purpose)`);
await demo.center.start();

async function shutdown(signal: string): Promise<void> {
  console.log(`demo: ${signal}, shutting down`);
  server.closeAllConnections();
  server.close();
  await demo.close();
  await downstream.close();
  await slapd?.stop();
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
