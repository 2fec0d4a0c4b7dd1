import { useStdout } from 'ink';
import { useEffect, useState } from 'react';

export interface TerminalSize {
  /** characters per line */
  readonly columns: number;
  /** lines */
  readonly rows: number;
}

/** Used when the output stream does not say (not a TTY): the classic 80x24. */
const fallbackSize: TerminalSize = { columns: 80, rows: 24 };

/** The terminal's size, following resizes; `override` (tests, fixed layouts) wins when given. */
export function useTerminalSize(override?: TerminalSize): TerminalSize {
  const { stdout } = useStdout();
  const [size, setSize] = useState<TerminalSize>(() => readSize(stdout));
  useEffect(() => {
    if (override) return undefined;
    const onResize = (): void => setSize(readSize(stdout));
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout, override === undefined]);
  return override ?? size;
}

function readSize(stdout: NodeJS.WriteStream): TerminalSize {
  return { columns: stdout.columns || fallbackSize.columns, rows: stdout.rows || fallbackSize.rows };
}
