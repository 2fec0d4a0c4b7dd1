import { useInput, type Key } from 'ink';
import { createContext, useContext, useLayoutEffect, useRef, useState } from 'react';
import { usePacedKeys } from './use-paced-keys.js';

export type InputHandler = (input: string, key: Key) => void;

/** Hands each keypress to every registered handler, in registration order. */
export interface KeyRouter {
  /** returns the unregister function */
  register(handler: { readonly current: InputHandler }): () => void;
}

/**
 * Why not plain `useInput` in each component: Ink re-subscribes a handler (new closure, new
 * isActive) in a passive effect, which React may run in a later scheduler slice than the render
 * itself; on a busy 2-core box a key typed right after "c" then met the old handler or a prompt
 * not yet listening (seen as flaky key tests). Here one Ink subscription lives as long as the
 * Dashboard; components register and refresh their handlers in layout effects, which run as part
 * of React's commit, so the next key meets the screen as last rendered.
 */
export const KeyRouterContext = createContext<KeyRouter | null>(null);

/** The root: one Ink subscription for the whole screen. Provide the result via KeyRouterContext. */
export function useKeyRouter(): KeyRouter {
  const [handlers] = useState(() => new Set<{ readonly current: InputHandler }>());
  const [router] = useState<KeyRouter>(() => ({
    register(handler) {
      handlers.add(handler);
      return () => {
        handlers.delete(handler);
      };
    },
  }));
  // Bursts (a scanner's plate and Enter) are split into keys, one per commit (key-burst.ts). Each key
  // goes to the handlers as they were when it arrived: one that an earlier handler's answer unmounts or
  // changes (Enter closing a prompt) still sees the screen the key was meant for, as within Ink's batch.
  const dispatch = usePacedKeys((input, key) => {
    for (const handler of [...handlers].map((entry) => entry.current)) handler(input, key);
  });
  useInput(dispatch);
  return router;
}

/**
 * Receive keys while mounted, always with the latest `handler`. Through `router` (or the one in
 * context); with neither (a component rendered alone) it falls back to Ink's useInput.
 */
export function useKeys(handler: InputHandler, router?: KeyRouter): void {
  const fromContext = useContext(KeyRouterContext);
  const target = router ?? fromContext;
  const latest = useRef(handler);
  useLayoutEffect(() => {
    latest.current = handler;
  });
  useLayoutEffect(() => target?.register(latest), [target]);
  const stable = usePacedKeys((input, key) => latest.current(input, key));
  useInput(stable, { isActive: target === null });
}
