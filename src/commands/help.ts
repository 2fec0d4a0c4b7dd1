// Help that answers (issue 13): examples under every command, the global options in every command's
// help, `parkctl help booking reserve` showing that command, and two topics, `help environment` and
// `help exit-codes`. The same texts feed the man page (man-page.ts).
import type { Command } from 'commander';
import { commandExamples } from './help-examples.js';

export interface HelpTopic {
  name: string;
  summary: string;
  body: string;
}

export const helpTopics: HelpTopic[] = [
  {
    name: 'environment',
    summary: 'the environment variables parkctl reads',
    body: `Environment variables (they override the config file; see parkctl config --help):

  DATABASE_URL          PostgreSQL to use, e.g. postgres://parkctl@db.example:5432/parkctl
                        (unset: the embedded server in PARKCTL_HOME)
  PARKCTL_HOME          where the embedded server keeps its data
                        (default: $XDG_DATA_HOME/parkctl, else ~/.local/share/parkctl)
  PARKCTL_NOW           run as if it were this instant (ISO 8601 with a zone), as --now
  PARKCTL_ACTOR         who the audit trail names (default: cli:<user name>)
  PARKCTL_PROFILE       the config file profile to use (as parkctl config use)
  PARKCTL_CONFIG        the config file to read instead of ~/.config/parkctl/config.yaml
  REDIS_URL             Redis for the capacity cache and shared API rate limits (unset: none)
  MQTT_URL              the MQTT broker of barrier relays, plate readers and displays
  STRIPE_SECRET_KEY     take card payments through Stripe (also STRIPE_API_KEY; unset: cash)
  STRIPE_API_BASE       a Stripe-compatible server instead of Stripe's own
  STRIPE_WEBHOOK_SECRET the signing secret of payments webhook
  PARKCTL_PAYMENT_SUCCESS_URL, PARKCTL_PAYMENT_CANCEL_URL
                        where Stripe Checkout sends the driver afterwards
  NO_COLOR              set to anything: no colours
  COLUMNS               the width tables fit in (also when piped; unset and piped: no cut)
  PARKCTL_PAGER, PAGER  the pager of long tables on a terminal (default: less -FRX; empty or cat: none)
  NOTIFY_SOCKET         set by systemd for Type=notify services
  PARKCTL_NO_COMPILE_CACHE
                        1: do not keep compiled code between runs in $XDG_CACHE_HOME/parkctl
                        (default ~/.cache/parkctl)
`,
  },
  {
    name: 'exit-codes',
    summary: 'what each exit code means, for scripts and cron',
    body: `Exit codes (the same for every command; scripts and cron may branch on them):

  0   done (also: a sweep with nothing to do, a list with no rows)
  1   an expected failure that is neither bad input nor a refusal
  2   bad input: fix the command line, the file or the environment (also an ambiguous id prefix)
  3   refused: well-formed, but the lot says no (no spot free, hold expired, already inside)
  4   not found: the thing named does not exist (no reservation starts with that id)
  69  a service parkctl needs failed (PostgreSQL, Stripe, Redis, the MQTT broker): run it again later;
      for a write, the message says whether it was applied
  70  a bug in parkctl: please report it with the lines printed

Errors are one line on stderr ("parkctl: ..."), maybe followed by "  hint: ...". With --json the
error is an object on stdout: {"error": {"code", "message", "hint", "exitCode"}}.
`,
  },
];

/** `help <topic>`: the topic named by the words after the program name, or null. */
export function helpTopicFor(args: string[]): HelpTopic | null {
  const words = args.filter((a) => !a.startsWith('-'));
  if (words.length !== 2 || words[0] !== 'help') return null;
  return helpTopics.find((t) => t.name === words[1]) ?? null;
}

/**
 * `parkctl help booking reserve` as `parkctl booking reserve --help`: commander's own help command
 * takes one word, and showed `booking`'s help for it.
 */
export function rewriteHelpWords(args: string[]): string[] {
  const i = args.indexOf('help');
  if (i < 0 || args.slice(0, i).some((a) => !a.startsWith('-'))) return args;
  const rest = args.slice(i + 1);
  if (rest.filter((a) => !a.startsWith('-')).length < 2) return args;
  return [...args.slice(0, i), ...rest, '--help'];
}

/** An example as typed: "parkctl " is added unless the line already runs it (a pipe, a variable first) or is a comment. */
export function exampleLine(example: string): string {
  return example.startsWith('#') || /(^|\s)parkctl\s/.test(example) ? example : `parkctl ${example}`;
}

/** The full name of a command: "booking reserve". */
export function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** Examples under each command that has them, the global options in every command's help, the topics under the top. */
export function decorateHelp(program: Command): void {
  const walk = (cmd: Command) => {
    const examples = commandExamples[commandPath(cmd)];
    if (examples) cmd.addHelpText('after', `\nExamples:\n${examples.map((e) => `  $ ${exampleLine(e)}`).join('\n')}\n`);
    for (const sub of cmd.commands) walk(sub);
  };
  for (const sub of program.commands) walk(sub);
  program.addHelpText('after', `\nHelp topics:\n${helpTopics.map((t) => `  parkctl help ${t.name.padEnd(12)} ${t.summary}`).join('\n')}\n  parkctl help <command>      a command's options and examples (also: parkctl <command> --help)\n`);
}
