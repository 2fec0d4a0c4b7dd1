import { render } from 'ink-testing-library';
import { describe, expect, it, vi } from 'vitest';
import { ActionPrompt } from '../src/tui/ActionPrompt.js';
import { openBarrierFlow, spotServiceFlow, type PromptFlow } from '../src/tui/action-flows.js';
import type { DashboardActions, FoundReservation } from '../src/tui/dashboard-model.js';
import { sampleSnapshot } from '../src/tui/sample-snapshot.js';
import { SearchBox } from '../src/tui/SearchBox.js';
import { settle, eventually, keys } from './support/ink.js';

const { enter, escape } = keys;


async function type(view: { stdin: { write(data: string): void }; frames: readonly string[] }, ...keys: string[]): Promise<void> {
  for (const key of keys) {
    view.stdin.write(key);
    await settle(view.frames);
  }
}

const found: FoundReservation[] = [
  { reservationId: 'r-1', plate: 'AB123CD', status: 'CONFIRMED', spotLabel: 'B1-012', start: new Date('2025-06-02T10:00:00Z'), end: new Date('2025-06-02T12:00:00Z'), inside: false },
  { reservationId: 'r-2', plate: 'AB123CE', status: 'CHECKED_IN', spotLabel: 'B1-013', start: new Date('2025-06-02T09:00:00Z'), end: new Date('2025-06-02T11:00:00Z'), inside: true },
];

async function searchBox(find: (query: string) => Promise<readonly FoundReservation[]>) {
  const onPick = vi.fn();
  const onClose = vi.fn();
  const view = render(<SearchBox find={find} timeZone="Europe/Berlin" maxResults={5} color={false} onPick={onPick} onClose={onClose} />);
  await settle(view.frames);
  return { ...view, onPick, onClose };
}

describe('SearchBox', () => {
  it('searches on Enter, shows results and picks with arrows + Enter', async () => {
    const find = vi.fn(async () => found);
    const box = await searchBox(find);
    await type(box, 'ab123', enter);
    expect(find).toHaveBeenCalledWith('ab123');
    await eventually(() => expect(box.lastFrame()).toContain('AB123CD CONFIRMED B1-012 12:00-14:00'));
    expect(box.lastFrame()).toContain('AB123CE CHECKED_IN B1-013 11:00-13:00 inside');
    await type(box, '\u001B[B', enter);
    expect(box.onPick).toHaveBeenCalledWith(found[1]);
  });
  it('refuses an empty query, says when nothing matched, shows a failed search', async () => {
    const find = vi.fn(async (query: string) => {
      if (query === 'BOOM') throw new Error('PostgreSQL unavailable');
      return [];
    });
    const box = await searchBox(find);
    await type(box, enter);
    expect(find).not.toHaveBeenCalled();
    expect(box.lastFrame()).toContain('type a plate or a reservation id');
    await type(box, 'ZZZ', enter);
    await eventually(() => expect(box.lastFrame()).toContain('no match for ZZZ'));
    await type(box, '\u007F', '\u007F', '\u007F', 'BOOM', enter);
    await eventually(() => expect(box.lastFrame()).toContain('search failed: PostgreSQL unavailable'));
    await type(box, escape);
    expect(box.onClose).toHaveBeenCalledTimes(1);
    expect(box.onPick).not.toHaveBeenCalled();
  });
});

async function prompt(flow: PromptFlow) {
  const onSubmit = vi.fn();
  const onCancel = vi.fn();
  const view = render(<ActionPrompt flow={flow} color={false} onSubmit={onSubmit} onCancel={onCancel} />);
  await settle(view.frames);
  return { ...view, onSubmit, onCancel };
}

const actions = {} as DashboardActions;

describe('ActionPrompt', () => {
  it('asks the gate by number, then a reason that may not be empty', async () => {
    const flow = openBarrierFlow(sampleSnapshot().gates, actions)!;
    const box = await prompt(flow);
    expect(box.lastFrame()).toContain('Which gate? [1] G-IN-1  [2] G-OUT-1 (offline)');
    await type(box, '2');
    expect(box.lastFrame()).toContain('gate: G-OUT-1');
    await type(box, '   ', enter);
    expect(box.lastFrame()).toContain('Reason is required');
    expect(box.onSubmit).not.toHaveBeenCalled();
    await type(box, 'ticket jammed', enter);
    expect(box.onSubmit).toHaveBeenCalledWith({ gate: 'G-OUT-1', reason: 'ticket jammed' });
  });
  it('walks label, direction and reason for a spot, and Esc abandons', async () => {
    const box = await prompt(spotServiceFlow(actions));
    await type(box, 'B2-044', enter, 'x');
    expect(box.lastFrame()).toContain('Take it [o] out of service  [r] back into service');
    await type(box, 'r');
    expect(box.lastFrame()).toContain('direction: back');
    await type(box, escape);
    expect(box.onCancel).toHaveBeenCalledTimes(1);
    expect(box.onSubmit).not.toHaveBeenCalled();
  });
});
