// Driving Ink components in tests (ink-testing-library): let frames settle, re-check async effects, keys.
import { vi } from 'vitest';

/**
 * Lets React and Ink flush after a render or a key: waits until no new frame has been written for
 * a few turns (bounded at 60 turns). Not a timing assertion: it only decides when to look.
 */
export async function settle(frames?: readonly string[]): Promise<void> {
  let quietTurns = 0;
  let seen = frames?.length ?? 0;
  for (let turn = 0; turn < 60 && quietTurns < 4; turn += 1) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    for (let step = 0; step < 3; step += 1) await new Promise((resolve) => setImmediate(resolve));
    const now = frames?.length ?? 0;
    quietTurns = now === seen ? quietTurns + 1 : 0;
    seen = now;
  }
}

/** Re-checks an assertion about something asynchronous (an action's promise) until it holds; the bound only stops a hang. */
export const eventually = (check: () => void): Promise<void> => vi.waitFor(check, { timeout: 30_000, interval: 20 });

export const keys = { enter: '\r', escape: '\u001B', down: '\u001B[B' } as const;
