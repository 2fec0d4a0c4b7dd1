import { Box, Text } from 'ink';
import { useState } from 'react';
import type { PromptAnswers, PromptFlow } from './action-flows.js';
import { LineInput } from './LineInput.js';
import { toneProps } from './tone.js';
import { useKeys } from './use-key-router.js';

export interface ActionPromptProps {
  readonly flow: PromptFlow;
  readonly color: boolean;
  /** every step answered (and confirmed) */
  readonly onSubmit: (answers: PromptAnswers) => void;
  /** Esc, or n at a confirmation: nothing is done */
  readonly onCancel: () => void;
}

/** Asks a flow's questions one at a time: text (reason, label), one-key choice, or y/n. */
export function ActionPrompt({ flow, color, onSubmit, onCancel }: ActionPromptProps) {
  const [stepIndex, setStepIndex] = useState(0);
  const [answers, setAnswers] = useState<PromptAnswers>({});
  const [draft, setDraft] = useState('');
  const [refusal, setRefusal] = useState<string | null>(null);
  const step = flow.steps[stepIndex];

  const advance = (name: string | null, value: string): void => {
    const next = name === null ? answers : { ...answers, [name]: value };
    setRefusal(null);
    setDraft('');
    if (stepIndex + 1 >= flow.steps.length) return onSubmit(next);
    setAnswers(next);
    setStepIndex(stepIndex + 1);
  };

  useKeys((input, key) => {
    if (key.escape) return onCancel();
    if (step?.kind === 'confirm') {
      if (input === 'y' || input === 'Y') advance(null, 'yes');
      else if (input === 'n' || input === 'N') onCancel();
    } else if (step?.kind === 'choice') {
      const option = step.options.find((candidate) => candidate.key === input.toLowerCase());
      if (option) advance(step.name, option.value);
    }
  });

  const submitText = (value: string): void => {
    if (step?.kind !== 'text') return;
    if (step.required && value.trim() === '') return setRefusal(`${step.question.replace(/ \(.*\)$/, '')} is required`);
    advance(step.name, value.trim());
  };

  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate">
        {flow.title} <Text bold={false}>(Esc cancels)</Text>
      </Text>
      {Object.entries(answers).map(([name, value]) => (
        <Text key={name} wrap="truncate" {...toneProps(color, 'muted')}>
          {name}: {value}
        </Text>
      ))}
      {step?.kind === 'text' ? (
        <Text wrap="truncate">
          {step.question}: <LineInput value={draft} onChange={setDraft} onSubmit={submitText} color={color} />
        </Text>
      ) : null}
      {step?.kind === 'choice' ? (
        <Text wrap="truncate">
          {step.question} {step.options.map((option) => `[${option.key}] ${option.label}`).join('  ')}
        </Text>
      ) : null}
      {step?.kind === 'confirm' ? <Text wrap="truncate">{step.question} y/n</Text> : null}
      {refusal ? <Text {...toneProps(color, 'bad')}>{refusal}</Text> : null}
    </Box>
  );
}
