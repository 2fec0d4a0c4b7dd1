import type { Key } from 'ink';
import { useKeys, type KeyRouter } from './use-key-router.js';

/** Everything a key can ask for on the main screen. The Footer and HelpOverlay list the same keys. */
export type DashboardCommand =
  | 'find' | 'checkIn' | 'checkOut' | 'floor' | 'openBarrier' | 'cancel' | 'extend' | 'spot' | 'handBack'
  | 'reports' | 'help' | 'quit' | 'up' | 'down' | 'deselect';

/** One row of the key list: shown by Footer (short) and HelpOverlay (long). */
export interface KeyBinding {
  readonly key: string;
  readonly command: DashboardCommand;
  /** footer word, a few characters */
  readonly short: string;
  /** help text */
  readonly long: string;
}

export const keyBindings: readonly KeyBinding[] = [
  { key: '/', command: 'find', short: 'find', long: 'find a plate or reservation, pick one to select it' },
  { key: 'i', command: 'checkIn', short: 'in', long: 'check in the selected reservation' },
  { key: 'o', command: 'checkOut', short: 'out', long: 'check out the selected reservation (asks a plate if none)' },
  { key: 'f', command: 'floor', short: 'floor', long: "floor view: a zone's spots as a map; arrows move, [ ] zone, PgUp/PgDn floor, Enter selects" },
  { key: 'b', command: 'openBarrier', short: 'barrier', long: 'open a barrier by hand: asks the gate and a reason' },
  { key: 'c', command: 'cancel', short: 'cancel', long: 'cancel the selected reservation (asks y/n)' },
  { key: 'e', command: 'extend', short: '+30m', long: 'extend the selected reservation by 30 minutes (asks y/n)' },
  { key: 'm', command: 'spot', short: 'spot', long: 'take a spot out of service or back: asks label and reason' },
  { key: 'r', command: 'handBack', short: 'cash', long: 'hand back the cash refund due for the selected reservation (asks y/n)' },
  { key: 'R', command: 'reports', short: 'reports', long: 'reports: occupancy today against the typical day, revenue, peak hour, no-shows' },
  { key: '↑↓', command: 'up', short: 'pick', long: 'move the selection through arrivals, holds and alerts' },
  { key: '?', command: 'help', short: 'help', long: 'show or hide this help' },
  { key: 'q', command: 'quit', short: 'quit', long: 'quit the dashboard' },
];

const commandByInput: Readonly<Record<string, DashboardCommand>> = {
  '/': 'find', i: 'checkIn', o: 'checkOut', f: 'floor', b: 'openBarrier', c: 'cancel', e: 'extend', m: 'spot', r: 'handBack', R: 'reports',
  '?': 'help', q: 'quit', k: 'up', j: 'down',
};

/** Which command a keypress means on the main screen, or null for keys that mean nothing. */
export function keyToCommand(input: string, key: Pick<Key, 'upArrow' | 'downArrow' | 'escape' | 'ctrl' | 'meta'>): DashboardCommand | null {
  if (key.upArrow) return 'up';
  if (key.downArrow) return 'down';
  if (key.escape) return 'deselect';
  if (key.ctrl || key.meta) return null;
  return commandByInput[input] ?? null;
}

/**
 * Main-screen keys, through the Dashboard's key router. Ignored while a prompt, the search box or
 * help owns the keyboard. A handler that throws (a bug) is reported through `onError` instead of
 * escaping into Ink's input loop.
 */
export function useDashboardKeys(
  router: KeyRouter,
  isActive: boolean,
  handlers: Readonly<Record<DashboardCommand, () => void>>,
  onError: (error: unknown) => void,
): void {
  useKeys((input, key) => {
    if (!isActive) return;
    const command = keyToCommand(input, key);
    if (command === null) return;
    try {
      handlers[command]();
    } catch (error) {
      onError(error);
    }
  }, router);
}
