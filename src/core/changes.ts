import type { CapacityCache, ChangeNotifier } from './ports.js';

export interface ChangeDeps {
  cache?: CapacityCache | undefined;
  notifier?: ChangeNotifier | undefined;
}

/** After a committed write that moves a lot's counts: drop cached counts, wake live screens. */
export async function lotChanged(deps: ChangeDeps, lotId: number): Promise<void> {
  deps.notifier?.lotChanged(lotId);
  await deps.cache?.invalidateLot(lotId);
}
