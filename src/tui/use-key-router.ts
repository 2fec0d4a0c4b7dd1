import { useInput, type Key } from 'ink';
import { createContext, useCallback, useContext, useLayoutEffect, useRef, useState } from 'react';

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
  const dispatch = useCallback<InputHandler>(
    (input, key) => {
      for (const handler of [...handlers]) handler.current(input, key);
    },
    [handlers],
  );
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
  const stable = useCallback<InputHandler>((input, key) => latest.current(input, key), []);
  useInput(stable, { isActive: target === null });
}
