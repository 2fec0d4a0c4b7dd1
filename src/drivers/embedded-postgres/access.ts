// Who may log in to the embedded server. It listens on 127.0.0.1, which every local user and process
// reaches, so every login needs a password (SCRAM): the superuser's for parkctl itself, the gate
// role's for the gate daemon (credentials.ts). Clusters made by parkctl versions that trusted every
// local connection are brought to this on their next start, in place: passwords set, pg_hba.conf
// rewritten, configuration reloaded; no restart, no data touched.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { ClusterState } from './layout.js';
import type { Credentials } from './credentials.js';
import { withClient } from './probe.js';
import type { RunAs } from './run-as.js';

export const hostBasedAuth = `# written by parkctl: this server listens on 127.0.0.1 and a private socket only, and every
# login needs a password (SCRAM); parkctl keeps them mode 600 in <PARKCTL_HOME>/credentials
local all all scram-sha-256
host  all all 127.0.0.1/32 scram-sha-256
`;

const hbaPath = (state: ClusterState): string => path.join(state.dataDir, 'pg_hba.conf');

/** True when the cluster's pg_hba.conf is the password-only one above. */
export async function hostBasedAuthIsCurrent(state: ClusterState): Promise<boolean> {
  return (await fs.readFile(hbaPath(state), 'utf8').catch(() => null)) === hostBasedAuth;
}

/** Writes pg_hba.conf (owned by the server account), replacing whatever is there. */
export async function writeHostBasedAuth(dataDir: string, runAs: RunAs | null): Promise<void> {
  const file = path.join(dataDir, 'pg_hba.conf');
  const temporary = `${file}.parkctl-${process.pid}`;
  await fs.writeFile(temporary, hostBasedAuth, { mode: 0o600 });
  if (runAs) await fs.chown(temporary, runAs.uid, runAs.gid);
  await fs.rename(temporary, file);
}

/**
 * On the running server: gives `postgres` and `parkctl_gate` their passwords (creating the gate role
 * if the migrations have not yet), then, if pg_hba.conf still trusts anyone, rewrites it and reloads.
 * Idempotent. Connects as the superuser with its password (an old trusting cluster ignores it).
 */
export async function secureCluster(state: ClusterState, runAs: RunAs | null, credentials: Credentials): Promise<void> {
  await withClient(state.port, 'postgres', credentials.superuser, async (client) => {
    await client.query(`set password_encryption = 'scram-sha-256'`);
    // The passwords are base64url (credentials.ts): nothing in them needs quoting in a literal.
    await client.query(`alter role postgres with password '${credentials.superuser}'`);
    await client.query(`do $$ begin create role parkctl_gate login; exception when duplicate_object then null; end $$`);
    await client.query(`alter role parkctl_gate with login password '${credentials.gate}'`);
    if (!(await hostBasedAuthIsCurrent(state))) {
      await writeHostBasedAuth(state.dataDir, runAs);
      await client.query(`select pg_reload_conf()`);
    }
  });
}
