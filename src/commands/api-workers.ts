// `parkctl api serve --workers N`: N processes serve one port (node:cluster hands them the connections),
// so the API uses every core. Nothing in a worker is the only copy of anything (keys, replays and rate
// counters are in PostgreSQL / Redis), so they are as independent as separate units behind a proxy. This
// process only supervises: it says READY once every worker listens, feeds the watchdog while they all
// live, replaces a worker that dies, and stops them all on SIGTERM.
import cluster, { type Worker } from 'node:cluster';
import { stderrLogger } from '../drivers/stderr-logger.js';
import type { AppContext } from './context.js';

export async function superviseApiWorkers(ctx: AppContext, o: { workers: number; watchdogSeconds: number }, stop: AbortSignal): Promise<void> {
  const logger = stderrLogger('info', (line) => ctx.out.note(line.trimEnd()));
  // workers inherit argv; they must not talk to systemd (only this process is the unit's main PID)
  cluster.setupPrimary({ silent: false });
  const env = { PARKCTL_API_WORKER: '1', NOTIFY_SOCKET: '' };
  const live = new Set<Worker>();
  let stopping = false;
  let url: string | null = null;
  const listening = new Set<number>();
  let ready!: () => void;
  const allListening = new Promise<void>((resolve) => { ready = resolve; });
  const fork = () => {
    const w = cluster.fork(env);
    live.add(w);
    w.on('listening', (address: { address: string; port: number }) => {
      url ??= `http://${address.address}:${address.port}`;
      listening.add(w.id);
      if (listening.size >= o.workers) ready();
    });
    w.on('exit', (code, signal) => {
      live.delete(w);
      listening.delete(w.id);
      if (!stopping) {
        logger.warn('api worker died; starting another', { pid: w.process.pid, code, signal });
        setTimeout(fork, 500);
      }
    });
  };
  for (let i = 0; i < o.workers; i++) fork();
  await Promise.race([allListening, new Promise<void>((resolve) => stop.addEventListener('abort', () => resolve(), { once: true }))]);
  const { SystemdNotifier } = await import('../drivers/api-systemd.js');
  const systemd = new SystemdNotifier(ctx.config.notifySocket, process.pid);
  let watchdog: NodeJS.Timeout | null = null;
  if (!stop.aborted) {
    logger.info('api listening', { url, workers: o.workers });
    await systemd.notify('READY=1');
    watchdog = systemd.enabled
      ? setInterval(() => { if (live.size === o.workers) void systemd.notify('WATCHDOG=1'); }, Math.max(1000, (o.watchdogSeconds * 1000) / 3))
      : null;
    await new Promise<void>((done) => stop.addEventListener('abort', () => done(), { once: true }));
  }
  stopping = true;
  if (watchdog) clearInterval(watchdog);
  await systemd.notify('STOPPING=1');
  await Promise.all([...live].map((w) => new Promise<void>((done) => {
    if (w.isDead()) return done();
    w.once('exit', () => done());
    w.process.kill('SIGTERM');
  })));
  logger.info('api stopped');
}
