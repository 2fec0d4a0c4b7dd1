// A spinner on stderr for waits a person would otherwise sit through in silence (issue 13: the first
// embedded start took 33 s, `gate open` 10 s): it appears only after a second, only when stderr is a
// terminal, and clears its line when the wait ends. Never when piped: logs and cron mail stay clean.
const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export interface SpinnerTarget {
  /** stderr is a terminal */
  enabled: boolean;
  write: (text: string) => void;
}

/** Runs `work`, with `text` spinning on stderr once it has taken longer than `afterMs`. */
export async function withSpinner<T>(target: SpinnerTarget, text: string, work: () => Promise<T>, afterMs = 1000): Promise<T> {
  if (!target.enabled) return work();
  let frame = 0;
  let shown = false;
  let ticker: NodeJS.Timeout | undefined;
  const draw = () => {
    shown = true;
    target.write(`\r${frames[frame++ % frames.length]} ${text}\u001b[K`);
  };
  const start = setTimeout(() => {
    draw();
    ticker = setInterval(draw, 100);
    ticker.unref();
  }, afterMs);
  start.unref();
  try {
    return await work();
  } finally {
    clearTimeout(start);
    if (ticker) clearInterval(ticker);
    if (shown) target.write('\r\u001b[K');
  }
}
