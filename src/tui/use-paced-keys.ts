import { useLayoutEffect, useRef, useState, useEffect } from 'react';
import type { Key } from 'ink';
import { splitBurst, type KeyEvent } from './key-burst.js';

export type KeyHandler = (input: string, key: Key) => void;

/**
 * A key handler that splits bursts (key-burst.ts) and delivers their keys one at a time: the first at
 * once, each next one only after React has committed what the previous one changed (a render this hook
 * asks for, then a fresh turn of the event loop), so an Enter submits the text typed before it and a
 * line after it goes to whatever the Enter opened. Keys arriving meanwhile wait behind the burst.
 * A single key costs nothing extra: no render is asked for when nothing waits.
 */
export function usePacedKeys(deliver: KeyHandler): KeyHandler {
  const latest = useRef(deliver);
  useLayoutEffect(() => {
    latest.current = deliver;
  });
  const [committed, setCommitted] = useState(0);
  const [paced] = useState(() => {
    const queue: KeyEvent[] = [];
    const step = (): void => {
      const next = queue.shift();
      if (next) latest.current(next[0], next[1]);
      if (queue.length > 0) setCommitted((count) => count + 1);
    };
    const handler: KeyHandler = (input, key) => {
      const idle = queue.length === 0;
      queue.push(...splitBurst(input, key));
      if (idle) step();
    };
    return { handler, step, waiting: () => queue.length > 0 };
  });
  useEffect(() => {
    if (committed === 0 || !paced.waiting()) return undefined;
    const timer = setImmediate(paced.step);
    return () => clearImmediate(timer);
  }, [committed, paced]);
  return paced.handler;
}
