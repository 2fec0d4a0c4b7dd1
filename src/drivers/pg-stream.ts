// Imported before pg wherever pg is imported (issue 13). pg's lib/stream.js asks, as it loads, whether it
// runs on Cloudflare Workers: through `navigator.userAgent` when there is a navigator, else by building
// a fetch Response. Node 20 has no navigator, and its first Response loads undici, the whole fetch
// implementation: about 25 ms and a garbage collection of a one-shot command that never fetches. Here
// stream.js loads beside the navigator that Node 21+ has (userAgent "Node.js/<major>", not Cloudflare),
// which is then taken away again so that nothing else sees it.
import { createRequire } from 'node:module';

const globals = globalThis as { navigator?: { userAgent: string } };
if (globals.navigator === undefined && !('navigator' in globalThis)) {
  globals.navigator = { userAgent: `Node.js/${process.versions.node.split('.')[0]}` };
  try {
    createRequire(import.meta.url)('pg/lib/stream.js');
  } finally {
    delete globals.navigator;
  }
}
