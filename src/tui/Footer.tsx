import { Text } from 'ink';
import { Fragment } from 'react';
import { toneProps } from './tone.js';
import { keyBindings, type DashboardCommand, type KeyBinding } from './use-dashboard-keys.js';

export interface FooterProps {
  /** characters available; below 90 the keys are packed tighter, and below that keys drop out (? lists them all) */
  readonly width: number;
  readonly color: boolean;
}

/** Width from which keys get a roomier separator. */
const roomyWidth = 90;
/** What stays longest as the terminal narrows: help and quit always (help lists every key). */
const keepOrder: readonly DashboardCommand[] = ['help', 'quit', 'find', 'checkIn', 'checkOut', 'floor', 'openBarrier', 'extend', 'cancel', 'spot', 'handBack', 'up'];

const itemWidth = (binding: KeyBinding, roomy: boolean): number => binding.key.length + 1 + binding.short.length + (roomy ? 2 : 1);

/** The keys shown in `width`, in their usual order: the least needed leave first, never ? and q. */
export function footerKeys(width: number): { readonly bindings: readonly KeyBinding[]; readonly roomy: boolean } {
  const roomy = width >= roomyWidth;
  const rank = (binding: KeyBinding) => {
    const at = keepOrder.indexOf(binding.command);
    return at < 0 ? keepOrder.length : at;
  };
  const kept = new Set(keyBindings);
  const used = () => [...kept].reduce((sum, binding) => sum + itemWidth(binding, roomy), 0) - (roomy ? 2 : 1);
  for (const binding of [...keyBindings].sort((a, b) => rank(b) - rank(a))) {
    if (used() <= width || rank(binding) < 2) break;
    kept.delete(binding);
  }
  return { bindings: keyBindings.filter((binding) => kept.has(binding)), roomy };
}

/** One line of keys: "/ find  i in  o out ...  ? help  q quit". */
export function Footer({ width, color }: FooterProps) {
  const { bindings, roomy } = footerKeys(width);
  return (
    <Text wrap="truncate">
      {bindings.map((binding, index) => (
        <Fragment key={binding.key}>
          {index > 0 ? (roomy ? '  ' : ' ') : ''}
          <Text bold {...toneProps(color, 'accent')}>
            {binding.key}
          </Text>
          {roomy ? ' ' : ':'}
          {binding.short}
        </Fragment>
      ))}
    </Text>
  );
}
