import { Box, Text } from 'ink';
import { useCallback, useMemo, useState } from 'react';
import { ActionPrompt } from './ActionPrompt.js';
import { cancelFlow, checkOutByPlateFlow, earlyCheckInFlow, extendFlow, handBackFlow, openBarrierFlow, spotServiceFlow, type PromptFlow } from './action-flows.js';
import type { Connection, DashboardActions, DashboardSnapshot, FoundReservation } from './dashboard-model.js';
import { buildView } from './dashboard-view.js';
import { DashboardPanels } from './DashboardPanels.js';
import { FloorView } from './FloorView.js';
import { Footer } from './Footer.js';
import { describeError } from './format.js';
import { HelpOverlay } from './HelpOverlay.js';
import { chromeRows } from './layout.js';
import { MessageLine, messageLines } from './MessageLine.js';
import { ReportsScreen } from './ReportsScreen.js';
import { SearchBox } from './SearchBox.js';
import { shownActions, shownSnapshot } from './shown-text.js';
import { StatusLine } from './StatusLine.js';
import { useDashboardKeys, type DashboardCommand } from './use-dashboard-keys.js';
import { KeyRouterContext, useKeyRouter } from './use-key-router.js';
import { useSelection } from './use-selection.js';
import { useStatusMessage } from './use-status-message.js';
import { useNow } from './use-now.js';
import { useTerminalSize, type TerminalSize } from './use-terminal-size.js';

export interface DashboardProps {
  /** null until the first snapshot arrives: the screen says "connecting..." */
  readonly snapshot: DashboardSnapshot | null;
  readonly connection: Connection;
  readonly actions: DashboardActions;
  /** `q`: the caller exits (useApp().exit()) */
  readonly onQuit: () => void;
  /** false for NO_COLOR: no colour props are rendered at all */
  readonly color: boolean;
  /** fixed size (tests); default: the terminal's, following resizes */
  readonly size?: TerminalSize;
  /** how long results and errors stay in the status line, ms (default 4000) */
  readonly messageMs?: number;
  /** ms between clock/countdown updates (default 1000) */
  readonly tickMs?: number;
}

type Mode =
  | { readonly kind: 'browse' } | { readonly kind: 'help' } | { readonly kind: 'search' } | { readonly kind: 'floor' } | { readonly kind: 'reports' }
  | { readonly kind: 'prompt'; readonly flow: PromptFlow };

const browse: Mode = { kind: 'browse' };
const noSnapshotView = { selectable: [] } as const;
const epoch = new Date(0);

/** The attendant dashboard: status line, panels (or help/search/prompt), message line, keys. */
export function Dashboard({ snapshot: given, connection, actions: givenActions, onQuit, color, size, messageMs, tickMs }: DashboardProps) {
  // Every string shown is escaped once, here (shown-text.ts): no panel prints a control character.
  const snapshot = given ? shownSnapshot(given) : null;
  const actions = useMemo(() => shownActions(givenActions), [givenActions]);
  const terminal = useTerminalSize(size);
  const keyRouter = useKeyRouter();
  const now = useNow(snapshot?.now ?? epoch, tickMs);
  const [mode, setMode] = useState<Mode>(browse);
  const status = useStatusMessage(messageMs);
  // a message that needs a second line takes it from the panels
  const extraMessageRows = Math.max(0, messageLines(status.message, terminal.columns).length - 1);
  const panelRows = terminal.rows - extraMessageRows;
  const view = useMemo(() => (snapshot ? buildView(snapshot, { columns: terminal.columns, rows: panelRows }) : null), [snapshot, terminal.columns, panelRows]);
  const selection = useSelection((view ?? noSnapshotView).selectable);
  const selected = selection.selected;

  const needSelection = (then: (reservationId: string) => void) => (): void => {
    if (selected) then(selected.reservationId);
    else status.show('select a reservation first: ↑↓ or / to find one', 'bad');
  };
  const prompt = (flow: PromptFlow | null, missing: string): void =>
    flow ? setMode({ kind: 'prompt', flow }) : status.show(missing, 'bad');

  const handlers: Readonly<Record<DashboardCommand, () => void>> = {
    find: () => setMode({ kind: 'search' }),
    floor: () => (snapshot && snapshot.byZone.length > 0 ? setMode({ kind: 'floor' }) : status.show('no zones to show yet', 'bad')),
    checkIn: needSelection((id) => {
      const picked = selected;
      // too early: the refusal stays on the status line and the override is offered (reason required)
      status.run(`checking in ${picked?.plate ?? id}...`, () => actions.checkIn(id).catch((error: unknown) => {
        if (picked && (error as { code?: unknown }).code === 'too_early') setMode({ kind: 'prompt', flow: earlyCheckInFlow(picked, actions) });
        throw error;
      }));
    }),
    checkOut: () =>
      selected
        ? status.run(`checking out ${selected.plate}...`, () => actions.checkOut(selected.reservationId))
        : setMode({ kind: 'prompt', flow: checkOutByPlateFlow(actions) }),
    openBarrier: () => prompt(snapshot ? openBarrierFlow(snapshot.gates, actions) : null, 'no gates known yet'),
    cancel: needSelection(() => selected && setMode({ kind: 'prompt', flow: cancelFlow(selected, actions) })),
    extend: needSelection(() => selected && setMode({ kind: 'prompt', flow: extendFlow(selected, actions) })),
    spot: () => setMode({ kind: 'prompt', flow: spotServiceFlow(actions) }),
    handBack: needSelection(() => selected && setMode({ kind: 'prompt', flow: handBackFlow(selected, actions) })),
    reports: () => (actions.reports ? setMode({ kind: 'reports' }) : status.show('reports are not available here', 'bad')),
    help: () => setMode({ kind: 'help' }),
    quit: onQuit,
    up: () => selection.move(-1),
    down: () => selection.move(1),
    deselect: () => selection.select(null),
  };
  useDashboardKeys(keyRouter, mode.kind === 'browse', handlers, (error) => status.show(`bug: ${describeError(error)}`, 'bad'));

  const close = useCallback(() => setMode(browse), []);
  const pick = (found: FoundReservation): void => {
    selection.select({ reservationId: found.reservationId, plate: found.plate, spotLabel: found.spotLabel });
    setMode(browse);
  };
  const bodyRows = Math.max(1, panelRows - 1 - chromeRows);

  return (
    <KeyRouterContext.Provider value={keyRouter}>
      <Box flexDirection="column" width={terminal.columns}>
        <StatusLine lot={snapshot?.lot ?? null} now={snapshot ? now : null} connection={connection} color={color} />
        <Box flexDirection="column" height={bodyRows} overflow="hidden">
          {mode.kind === 'help' ? <HelpOverlay color={color} onClose={close} /> : null}
          {mode.kind === 'floor' && snapshot ? (
            <FloorView
              zones={snapshot.byZone}
              readZone={actions.zoneSpots}
              refreshKey={snapshot.now.getTime()}
              timeZone={snapshot.lot.timeZone}
              now={now}
              width={terminal.columns}
              rows={bodyRows}
              color={color}
              onPick={(picked) => {
                selection.select(picked);
                setMode(browse);
              }}
              onClose={close}
            />
          ) : null}
          {mode.kind === 'reports' && actions.reports ? (
            <ReportsScreen load={actions.reports} width={terminal.columns} rows={bodyRows} color={color} onClose={close} />
          ) : null}
          {mode.kind === 'search' ? (
            <SearchBox find={actions.find} timeZone={snapshot?.lot.timeZone ?? 'UTC'} maxResults={Math.max(1, bodyRows - 3)} color={color} onPick={pick} onClose={close} />
          ) : null}
          {mode.kind === 'prompt' ? (
            <ActionPrompt
              flow={mode.flow}
              color={color}
              onCancel={() => {
                setMode(browse);
                status.show(`${mode.flow.title}: nothing done`, 'ok');
              }}
              onSubmit={(answers) => {
                setMode(browse);
                status.run(mode.flow.busyText, () => mode.flow.run(answers));
              }}
            />
          ) : null}
          {mode.kind === 'browse' && snapshot && view ? (
            <DashboardPanels snapshot={snapshot} view={view} now={now} selectedId={selected?.reservationId ?? null} color={color} />
          ) : null}
          {mode.kind === 'browse' && !snapshot ? <Text>waiting for the first data from the lot...</Text> : null}
        </Box>
        <MessageLine message={status.message} selected={selected} width={terminal.columns} color={color} />
        <Footer width={terminal.columns} color={color} />
      </Box>
    </KeyRouterContext.Provider>
  );
}
