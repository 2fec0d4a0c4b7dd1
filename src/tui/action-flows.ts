// The multi-step actions (b, c, e, m, r, o without a selection) as data: a list of questions and a
// function that runs once they are answered. ActionPrompt asks the questions; nothing here draws.

import type { DashboardActions, GateRow, Selection } from './dashboard-model.js';

export interface ChoiceOption {
  /** the key that picks it: "1", "o" */
  readonly key: string;
  readonly label: string;
  /** what lands in the answers */
  readonly value: string;
}

export type PromptStep =
  /** free text; `required` refuses an empty (blank) answer */
  | { readonly kind: 'text'; readonly name: string; readonly question: string; readonly required: boolean }
  /** one key picks one option */
  | { readonly kind: 'choice'; readonly name: string; readonly question: string; readonly options: readonly ChoiceOption[] }
  /** y goes on, n (or Esc) abandons the whole flow */
  | { readonly kind: 'confirm'; readonly question: string };

export type PromptAnswers = Readonly<Record<string, string>>;

export interface PromptFlow {
  /** heading of the prompt: "Open barrier" */
  readonly title: string;
  readonly steps: readonly PromptStep[];
  /** status line text while it runs */
  readonly busyText: string;
  run(answers: PromptAnswers): Promise<string>;
}

/** Minutes added by `e`. */
export const extendStepMinutes = 30;

const reasonStep: PromptStep = { kind: 'text', name: 'reason', question: 'Reason (logged)', required: true };

/** Most gates a one-key choice can offer; more gates are asked by id. */
const maxGateChoices = 9;

/** `b`: which gate (skipped when there is one), then a reason. Null when the lot has no gates. */
export function openBarrierFlow(gates: readonly GateRow[], actions: DashboardActions): PromptFlow | null {
  const onlyGate = gates.length === 1 ? gates[0] : undefined;
  if (gates.length === 0) return null;
  const gateStep: PromptStep | null = onlyGate
    ? null
    : gates.length <= maxGateChoices
      ? {
          kind: 'choice',
          name: 'gate',
          question: 'Which gate?',
          options: gates.map((gate, index) => ({
            key: String(index + 1),
            label: `${gate.gateId}${gate.online ? '' : ' (offline)'}`,
            value: gate.gateId,
          })),
        }
      : { kind: 'text', name: 'gate', question: 'Gate id', required: true };
  return {
    title: onlyGate ? `Open barrier ${onlyGate.gateId}` : 'Open barrier',
    steps: gateStep ? [gateStep, reasonStep] : [reasonStep],
    busyText: 'opening barrier...',
    run: (answers) => actions.openBarrier(onlyGate?.gateId ?? answers.gate ?? '', answers.reason ?? ''),
  };
}

/** `c`: confirm, then cancel. */
export function cancelFlow(selection: Selection, actions: DashboardActions): PromptFlow {
  return {
    title: 'Cancel reservation',
    steps: [{ kind: 'confirm', question: `Cancel ${describeSelection(selection)}?` }],
    busyText: `cancelling ${selection.plate}...`,
    run: () => actions.cancel(selection.reservationId),
  };
}

/** `e`: confirm, then extend by 30 minutes. */
export function extendFlow(selection: Selection, actions: DashboardActions): PromptFlow {
  return {
    title: 'Extend reservation',
    steps: [{ kind: 'confirm', question: `Extend ${describeSelection(selection)} by ${extendStepMinutes} min?` }],
    busyText: `extending ${selection.plate}...`,
    run: () => actions.extend(selection.reservationId, extendStepMinutes),
  };
}

/** `r`: confirm, then record the cash refund due for the selection as handed back at the desk. */
export function handBackFlow(selection: Selection, actions: DashboardActions): PromptFlow {
  return {
    title: 'Hand back cash refund',
    steps: [{ kind: 'confirm', question: `Hand the cash refund due for ${describeSelection(selection)} back now?` }],
    busyText: `recording the refund to ${selection.plate}...`,
    run: () => actions.handBack(selection.reservationId),
  };
}

/** `m`: spot label, out or back, reason. */
export function spotServiceFlow(actions: DashboardActions): PromptFlow {
  return {
    title: 'Spot service',
    steps: [
      { kind: 'text', name: 'label', question: 'Spot label', required: true },
      {
        kind: 'choice',
        name: 'direction',
        question: 'Take it',
        options: [
          { key: 'o', label: 'out of service', value: 'out' },
          { key: 'r', label: 'back into service', value: 'back' },
        ],
      },
      reasonStep,
    ],
    busyText: 'updating spot...',
    run: (answers) => actions.setSpotOutOfService(answers.label ?? '', answers.direction === 'out', answers.reason ?? ''),
  };
}

/**
 * `i` on a booking whose entry has not opened yet (refused as too_early): let it in now anyway, with a
 * reason for the audit trail; the early time is owed at the exit.
 */
export function earlyCheckInFlow(selection: Selection, actions: DashboardActions): PromptFlow {
  return {
    title: `Early arrival ${describeSelection(selection)}`,
    steps: [
      { kind: 'confirm', question: `Entry has not opened yet. Let ${selection.plate} in now, early time due at exit?` },
      reasonStep,
    ],
    busyText: `checking in ${selection.plate} early...`,
    run: (answers) => actions.checkIn(selection.reservationId, { reason: answers.reason ?? '' }),
  };
}

/** `o` with nothing selected: check out by plate (walk-ins). */
export function checkOutByPlateFlow(actions: DashboardActions): PromptFlow {
  return {
    title: 'Check out',
    steps: [{ kind: 'text', name: 'plate', question: 'Plate or reservation id', required: true }],
    busyText: 'checking out...',
    run: (answers) => actions.checkOut((answers.plate ?? '').trim()),
  };
}

/** "AB123CD (B2-017)", or the plate alone when the spot is not known (alerts). */
export function describeSelection(selection: Selection): string {
  return selection.spotLabel ? `${selection.plate} (${selection.spotLabel})` : selection.plate;
}
