import { useCallback, useEffect, useRef, useState } from 'react';
import { describeError } from './format.js';

/** How long a result or error stays in the status line, in ms. */
export const defaultMessageMs = 4000;

export interface StatusMessage {
  readonly text: string;
  /** busy: an action is running; ok: it succeeded; bad: it failed or was refused */
  readonly kind: 'busy' | 'ok' | 'bad';
}

export interface StatusMessageApi {
  readonly message: StatusMessage | null;
  /** show a message; ok/bad ones clear themselves after `messageMs`, busy ones stay until replaced */
  show(text: string, kind: StatusMessage['kind']): void;
  /**
   * Run an action: "busy" while it runs, then its resolved text, or the rejection's message.
   * Never rejects and never throws, even if `work` throws synchronously: key handlers call it bare.
   */
  run(busyText: string, work: () => Promise<string>): void;
}

export function useStatusMessage(messageMs: number = defaultMessageMs): StatusMessageApi {
  const [message, setMessage] = useState<StatusMessage | null>(null);
  const timerRef = useRef<NodeJS.Timeout | undefined>(undefined);

  useEffect(() => () => clearTimeout(timerRef.current), []);

  const show = useCallback(
    (text: string, kind: StatusMessage['kind']) => {
      clearTimeout(timerRef.current);
      setMessage({ text, kind });
      if (kind !== 'busy') timerRef.current = setTimeout(() => setMessage(null), messageMs);
    },
    [messageMs],
  );

  const run = useCallback(
    (busyText: string, work: () => Promise<string>) => {
      show(busyText, 'busy');
      Promise.resolve()
        .then(work)
        .then(
          (result) => show(result, 'ok'),
          (error: unknown) => show(describeError(error), 'bad'),
        )
        // show() itself cannot fail; this only keeps a bug from becoming an unhandled rejection.
        .catch(() => undefined);
    },
    [show],
  );

  return { message, show, run };
}
