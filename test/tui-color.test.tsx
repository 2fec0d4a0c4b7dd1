// NO_COLOR: with color={false} the dashboard renders no colour at all, even where the terminal
// would show it. Chalk decides its colour level when first imported, so this file forces colour
// on before importing Ink (dynamic imports below) to make the difference visible in frames.
import { beforeAll, describe, expect, it } from 'vitest';
import type { DashboardActions } from '../src/tui/dashboard-model.js';
import { sampleSnapshot } from '../src/tui/sample-snapshot.js';

/** SGR foreground/background colour and inverse codes: 30-37, 39-47, 90-97, 100-107, 38;…, 7. */
const colourCode = new RegExp(`${String.fromCharCode(27)}\\[(?:3\\d|4\\d|9\\d|10\\d|7)(?:;\\d+)*m`);

const actions: DashboardActions = {
  find: async () => [],
  zoneSpots: async () => [],
  checkIn: async () => '',
  checkOut: async () => '',
  openBarrier: async () => '',
  cancel: async () => '',
  handBack: async () => '',
  extend: async () => '',
  setSpotOutOfService: async () => '',
};

let renderFrame: (color: boolean) => Promise<string>;

beforeAll(async () => {
  process.env.FORCE_COLOR = '1';
  const { render } = await import('ink-testing-library');
  const { Dashboard } = await import('../src/tui/Dashboard.js');
  renderFrame = async (color) => {
    const view = render(
      <Dashboard snapshot={sampleSnapshot()} connection="reconnecting" actions={actions} onQuit={() => undefined} color={color} size={{ columns: 140, rows: 30 }} />,
    );
    await new Promise((resolve) => setTimeout(resolve, 15));
    view.stdin.write('\u001B[B'); // select a row: inverse when colour is on
    await new Promise((resolve) => setTimeout(resolve, 15));
    const frame = view.lastFrame() ?? '';
    view.unmount();
    return frame;
  };
});

describe('colour', () => {
  it('uses colour when asked', async () => {
    expect(await renderFrame(true)).toMatch(colourCode);
  });
  it('renders no colour and no inverse with color={false}, and still says everything in words', async () => {
    const frame = await renderFrame(false);
    expect(frame).not.toMatch(colourCode);
    expect(frame).toContain('reconnecting...');
    expect(frame).toContain('OFFLINE');
    expect(frame).toContain('› ');
  });
});
