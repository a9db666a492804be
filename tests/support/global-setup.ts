// Starts ONE Temporal dev server for the whole integration run (through the same module `firebreak
// start` uses), registers Firebreak's search attributes, and bundles the workflow code once.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { freePort } from '../../client/cli/ports';
import { startEmbeddedServer, type EmbeddedServer } from '../../client/temporal/embedded-server';
import { registerSearchAttributes } from '../../client/temporal/namespace';
import { bundleWorkflows } from '../../worker/worker';

declare global {
  var firebreakTestServer: EmbeddedServer | undefined;
}

export default async function globalSetup(): Promise<void> {
  const port = await freePort();
  const server = await startEmbeddedServer({
    dataDir: '',
    port,
    uiPort: 0,
    namespace: 'default',
    ephemeral: true,
  });
  globalThis.firebreakTestServer = server;
  const connection = await Connection.connect({ address: server.address });
  try {
    await registerSearchAttributes(connection, 'default');
  } finally {
    await connection.close();
  }
  const bundle = await bundleWorkflows();
  const dir = path.resolve(__dirname, '../../.firebreak/test');
  mkdirSync(dir, { recursive: true });
  const codePath = path.join(dir, 'workflow-bundle.js');
  writeFileSync(codePath, bundle.code);
  process.env.FIREBREAK_TEST_TEMPORAL_ADDRESS = server.address;
  process.env.FIREBREAK_TEST_WORKFLOW_BUNDLE = codePath;
}
