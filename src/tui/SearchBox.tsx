import { Box, Text } from 'ink';
import { useRef, useState } from 'react';
import type { FoundReservation } from './dashboard-model.js';
import { describeError, formatClock } from './format.js';
import { LineInput } from './LineInput.js';
import { SelectableLine } from './SelectableLine.js';
import { toneProps } from './tone.js';
import { useKeys } from './use-key-router.js';

export interface SearchBoxProps {
  /** actions.find */
  readonly find: (query: string) => Promise<readonly FoundReservation[]>;
  readonly timeZone: string;
  /** result lines that fit */
  readonly maxResults: number;
  readonly color: boolean;
  readonly onPick: (found: FoundReservation) => void;
  readonly onClose: () => void;
}

type Phase =
  | { readonly kind: 'typing'; readonly note: string | null }
  | { readonly kind: 'searching' }
  | { readonly kind: 'results'; readonly results: readonly FoundReservation[]; readonly cursor: number };

/** `/`: type a plate or reservation id, Enter searches, ↑↓ + Enter picks, / edits again, Esc closes. */
export function SearchBox({ find, timeZone, maxResults, color, onPick, onClose }: SearchBoxProps) {
  const [query, setQuery] = useState('');
  const [phase, setPhase] = useState<Phase>({ kind: 'typing', note: null });
  // Answers to an older query (typed again meanwhile) are dropped.
  const requestRef = useRef(0);

  const search = (text: string): void => {
    const trimmed = text.trim();
    if (trimmed === '') return setPhase({ kind: 'typing', note: 'type a plate or a reservation id' });
    const request = ++requestRef.current;
    setPhase({ kind: 'searching' });
    Promise.resolve()
      .then(() => find(trimmed))
      .then(
        (results) => {
          if (request !== requestRef.current) return;
          setPhase(results.length === 0 ? { kind: 'typing', note: `no match for ${trimmed}` } : { kind: 'results', results, cursor: 0 });
        },
        (error: unknown) => {
          if (request === requestRef.current) setPhase({ kind: 'typing', note: `search failed: ${describeError(error)}` });
        },
      );
  };

  useKeys((input, key) => {
    if (key.escape) return onClose();
    if (phase.kind !== 'results') return;
    const last = Math.min(phase.results.length, maxResults) - 1;
    if (key.upArrow) setPhase({ ...phase, cursor: Math.max(0, phase.cursor - 1) });
    else if (key.downArrow) setPhase({ ...phase, cursor: Math.min(last, phase.cursor + 1) });
    else if (input === '/') setPhase({ kind: 'typing', note: null });
    else if (key.return) {
      const picked = phase.results[phase.cursor];
      if (picked) onPick(picked);
    }
  });

  return (
    <Box flexDirection="column">
      <Text wrap="truncate">
        <Text bold>Find </Text>
        {phase.kind === 'typing' ? <LineInput value={query} onChange={setQuery} onSubmit={search} color={color} /> : <Text>{query}</Text>}
      </Text>
      {phase.kind === 'typing' && phase.note ? <Text {...toneProps(color, 'warn')}>{phase.note}</Text> : null}
      {phase.kind === 'searching' ? <Text {...toneProps(color, 'muted')}>searching...</Text> : null}
      {phase.kind === 'results'
        ? phase.results.slice(0, maxResults).map((found, index) => (
            <SelectableLine key={found.reservationId} selected={index === phase.cursor} color={color}>
              {found.plate} {found.status} {found.spotLabel} {formatClock(found.start, timeZone)}-{formatClock(found.end, timeZone)}
              {found.inside ? ' inside' : ''} <Text {...toneProps(color, 'muted')}>{found.reservationId}</Text>
            </SelectableLine>
          ))
        : null}
      <Text {...toneProps(color, 'muted')}>
        {phase.kind === 'results' ? '↑↓ choose, Enter select, / search again, Esc close' : 'Enter search, Esc close'}
      </Text>
    </Box>
  );
}
