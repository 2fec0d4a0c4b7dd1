// The top-level command a command line names, read before commander or anything else loads: commands/
// index.ts registers only that group, and early-pool.ts (run by bin/parkctl before the program loads)
// decides from it whether to connect. No imports: bin/parkctl loads this before the bundle.

/** Global options that take a value: the word after them is not a command name. */
const globalOptionsWithValue = new Set(['--now', '-o', '--output', '--fields']);

/**
 * The top-level command the words name, as commander will dispatch them: the first word that is not
 * an option (nor a global option's value); `help <command>` names its command. Null: none (`--help`).
 */
export function commandNamed(args: string[]): string | null {
  for (let i = 0; i < args.length; i++) {
    const word = args[i]!;
    if (word === '--') return args[i + 1] ?? null;
    if (globalOptionsWithValue.has(word)) {
      i++;
      continue;
    }
    if (word.startsWith('-') && word !== '-') continue;
    if (word === 'help') return commandNamed(args.slice(i + 1)) ?? 'help';
    return word;
  }
  return null;
}
