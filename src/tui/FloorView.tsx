import { Box, Text } from 'ink';
import { useEffect, useRef, useState } from 'react';
import type { OccupancyRow, Selection, SpotCell, SpotState } from './dashboard-model.js';
import { cellGlyph, firstVisibleLine, floorOrder, moveCursor, sensorGlyph, spotGlyph, spotsPerLine, spotWords, stepZone } from './floor-grid.js';
import { describeError, formatWhen, truncate, wrapLines } from './format.js';
import { selectedProps, toneProps, type Tone } from './tone.js';
import { useKeys } from './use-key-router.js';

export interface FloorViewProps {
  /** the lot's zones (snapshot.byZone: code, name, floor) */
  readonly zones: readonly OccupancyRow[];
  /** actions.zoneSpots */
  readonly readZone: (zoneCode: string) => Promise<readonly SpotCell[]>;
  /** changes when the lot changed (the snapshot's instant): the zone is read again */
  readonly refreshKey: number;
  readonly timeZone: string;
  /** the current instant: times on another day say their date */
  readonly now: Date;
  readonly width: number;
  /** lines the view may use */
  readonly rows: number;
  readonly color: boolean;
  /** Enter on a spot with a booking or car: select it on the main screen */
  readonly onPick: (selection: Selection) => void;
  /** Esc, f or q */
  readonly onClose: () => void;
}

const stateTone: Readonly<Record<SpotState, Tone | undefined>> = {
  occupied: 'bad', booked: 'warn', held: 'accent', out_of_service: 'muted', free: 'ok',
};
const legendOrder: readonly SpotState[] = ['free', 'held', 'booked', 'occupied', 'out_of_service'];
/** Lines around the grid: floor tabs, zone counts, spot details (two), legend, keys. */
const frameLines = 6;

/**
 * `f`: one zone's spots as a map of states, as attendants think of a floor. Arrows move over the spots,
 * [ ] (or Tab) step through zones, PgUp/PgDn (or < >) through floors; Enter selects the spot's booking.
 */
export function FloorView({ zones, readZone, refreshKey, timeZone, now, width, rows, color, onPick, onClose }: FloorViewProps) {
  const ordered = floorOrder(zones);
  const [zoneKey, setZoneKey] = useState(ordered[0]?.key ?? '');
  const [cursor, setCursor] = useState(0);
  const [spots, setSpots] = useState<readonly SpotCell[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const request = useRef(0);

  useEffect(() => {
    if (!zoneKey) return;
    const mine = ++request.current;
    readZone(zoneKey).then(
      (cells) => {
        if (mine !== request.current) return;
        setSpots(cells);
        setProblem(null);
        setCursor((at) => Math.min(at, Math.max(0, cells.length - 1)));
      },
      (error: unknown) => mine === request.current && setProblem(`could not read ${zoneKey}: ${describeError(error)}`),
    );
  }, [zoneKey, refreshKey, readZone]);

  const labelWidth = Math.max(0, ...(spots ?? []).map((spot) => spot.label.length));
  const perLine = spotsPerLine(width, labelWidth);
  const count = spots?.length ?? 0;
  const goZone = (next: string): void => {
    if (next === zoneKey) return;
    setZoneKey(next);
    setSpots(null);
    setCursor(0);
  };

  useKeys((input, key) => {
    if (key.escape || input === 'f' || input === 'q') return onClose();
    if (key.leftArrow) setCursor((at) => moveCursor(at, 'left', count, perLine));
    else if (key.rightArrow) setCursor((at) => moveCursor(at, 'right', count, perLine));
    else if (key.upArrow) setCursor((at) => moveCursor(at, 'up', count, perLine));
    else if (key.downArrow) setCursor((at) => moveCursor(at, 'down', count, perLine));
    else if (input === ']' || (key.tab && !key.shift)) goZone(stepZone(zones, zoneKey, 'zone', 1));
    else if (input === '[' || (key.tab && key.shift)) goZone(stepZone(zones, zoneKey, 'zone', -1));
    else if (key.pageDown || input === '>') goZone(stepZone(zones, zoneKey, 'floor', 1));
    else if (key.pageUp || input === '<') goZone(stepZone(zones, zoneKey, 'floor', -1));
    else if (key.return) {
      const holder = spots?.[cursor]?.holder;
      if (holder) onPick({ reservationId: holder.reservationId, plate: holder.plate, spotLabel: spots?.[cursor]?.label ?? '' });
    }
  });

  const zone = ordered.find((candidate) => candidate.key === zoneKey);
  if (!zone) return <Text>no zones in this lot</Text>;
  const floor = zone.floor ?? 0;
  const onFloor = ordered.filter((candidate) => (candidate.floor ?? 0) === floor);
  const gridLines = Math.max(1, rows - frameLines);
  const totalLines = Math.ceil(count / perLine);
  const first = firstVisibleLine(Math.floor(cursor / perLine), gridLines, totalLines);
  const spot = spots?.[cursor];
  return (
    <Box flexDirection="column">
      <Text wrap="truncate">
        <Text bold>Floor {floor}</Text>{' '}
        {onFloor.map((candidate) => (candidate.key === zoneKey ? `[${candidate.key}]` : candidate.key)).join('  ')}
        <Text {...toneProps(color, 'muted')}>
          {'  '}zone {ordered.indexOf(zone) + 1} of {ordered.length}
        </Text>
      </Text>
      <Text wrap="truncate">
        {zone.key} {zone.name ?? zone.label}: {spots ? zoneCounts(spots) : 'reading...'}
      </Text>
      {problem ? <Text {...toneProps(color, 'bad')}>{problem}</Text> : null}
      {spots
        ? Array.from({ length: Math.min(gridLines, totalLines - first) }, (_, offset) => {
            const line = first + offset;
            const cells = spots.slice(line * perLine, (line + 1) * perLine);
            return (
              <Text key={line} wrap="truncate">
                <Text {...toneProps(color, 'muted')}>{(cells[0]?.label ?? '').padEnd(labelWidth)}</Text>{' '}
                {cells.map((cell, index) => {
                  const here = line * perLine + index === cursor;
                  return (
                    <Text key={cell.label} {...(here ? selectedProps(color, true) : toneProps(color, cell.sensorFault ? 'bad' : stateTone[cell.state]))}>
                      {here ? '›' : ' '}
                      {cellGlyph(cell)}
                    </Text>
                  );
                })}
              </Text>
            );
          })
        : null}
      {wrapLines(spot ? describeSpot(spot, timeZone, now) : '', width, 2).concat(' ').slice(0, 2).map((line, index) => (
        <Text key={index} wrap="truncate">
          {line || ' '}
        </Text>
      ))}
      <Text wrap="truncate" {...toneProps(color, 'muted')}>
        {legendOrder.map((state) => `${spotGlyph[state]} ${spotWords[state]}`).join('  ')}
        {spots?.some((cell) => cell.sensed) ? `  ${sensorGlyph.sensedCar} car sensed  ${sensorGlyph.fault} sensor fault` : ''}
      </Text>
      <Text wrap="truncate" {...toneProps(color, 'muted')}>
        {truncate('←↑↓→ spot  [ ] zone  PgUp/PgDn floor  Enter select  Esc back', Math.max(1, width))}
      </Text>
    </Box>
  );
}

/** "free 100  held 2  booked 3  occupied 10  out 1  of 120": the zone as the map shows it. */
export function zoneCounts(spots: readonly SpotCell[]): string {
  const n = (state: SpotState) => spots.filter((spot) => spot.state === state).length;
  const sensed = spots.filter((spot) => spot.sensed).length;
  const sensors = sensed === 0 ? ''
    : `  sensed occupied ${spots.filter((spot) => spot.sensed === 'occupied').length}  faults ${spots.filter((spot) => spot.sensorFault).length}`;
  return `free ${n('free')}  held ${n('held')}  booked ${n('booked')}  occupied ${n('occupied')}  out ${n('out_of_service')}  of ${spots.length}${sensors}`;
}

/** The spot under the cursor in words: its state first, then who and until when. */
export function describeSpot(spot: SpotCell, timeZone: string, now: Date): string {
  const time = (at: Date) => formatWhen(at, now, timeZone);
  const { holder } = spot;
  const who = holder
    ? holder.status === 'CHECKED_IN'
      ? ` ${holder.plate} inside, booked ${time(holder.start)}-${time(holder.end)}`
      : holder.status === 'TENTATIVE'
        ? ` ${holder.plate} ${time(holder.start)}-${time(holder.end)}, unpaid${holder.holdExpiresAt ? `, hold ends ${time(holder.holdExpiresAt)}` : ''}`
        : ` ${holder.plate} ${time(holder.start)}-${time(holder.end)}, not in yet`
    : '';
  const next = spot.next ? `; next ${spot.next.plate} at ${time(spot.next.start)}` : '';
  const pick = holder ? ` (${holder.reservationId.slice(0, 8)}, Enter selects)` : '';
  const sensor = spot.sensorFault ? `; sensor fault: ${spot.sensorFault}` : spot.sensed ? `; sensed ${spot.sensed}` : '';
  return `${spot.label} ${spot.vehicleType} ${spotWords[spot.state]}${who ? ':' : ''}${who}${next}${sensor}${pick}`;
}
