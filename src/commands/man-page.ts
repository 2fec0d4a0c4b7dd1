// man/parkctl.1, written at build time (scripts/build-man.mjs) from the command tree, the examples
// and the help topics, so the page cannot drift from --help (issue 13).
import type { Command, Option } from 'commander';
import { commandPath, exampleLine, helpTopics } from './help.js';
import { commandExamples } from './help-examples.js';

/** roff-safe text: backslashes doubled, a leading dot or quote escaped, dashes kept as minus signs. */
function roff(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/-/g, '\\-').replace(/^([.'])/gm, '\\&$1');
}

function optionLines(options: readonly Option[]): string[] {
  return options.filter((o) => !o.hidden).flatMap((o) => ['.TP', `.B ${roff(o.flags)}`, roff(o.description + (o.defaultValue !== undefined && o.defaultValue !== false ? ` (default: ${String(o.defaultValue)})` : ''))]);
}

function usage(cmd: Command): string {
  return `${commandPath(cmd)} ${cmd.usage()}`.trim();
}

export function renderManPage(program: Command, version: string, date: string): string {
  const lines: string[] = [
    `.TH PARKCTL 1 "${date}" "parkctl ${version}" "User Commands"`,
    '.SH NAME', `parkctl \\- ${roff(program.description())}`,
    '.SH SYNOPSIS', '.B parkctl', '[\\fIglobal options\\fR] \\fIcommand\\fR [\\fIoptions\\fR] [\\fIarguments\\fR]',
    '.SH DESCRIPTION',
    roff('One binary for the people who run a parking lot: attendants (the dashboard), cron (the sweepers), systemd (the gate daemon, the API) and scripts (bookings in bulk). Every command prints a table for people and JSON with --json; ids may be given as a unique prefix of 4 or more characters; times may be typed as 2026-12-05 08:00, 08:00, tomorrow 08:00, +2h or now, in the lot\'s time zone.'),
    '.SH GLOBAL OPTIONS', ...optionLines(program.options),
    '.SH COMMANDS',
  ];
  const walk = (cmd: Command) => {
    if (cmd.commands.length === 0) {
      lines.push('.SS ' + roff(usage(cmd)), roff(cmd.description()));
      if (cmd.options.length) lines.push('.RS', ...optionLines(cmd.options), '.RE');
      const examples = commandExamples[commandPath(cmd)];
      if (examples) lines.push('.PP', 'Examples:', '.RS', '.nf', ...examples.map((e) => roff(exampleLine(e))), '.fi', '.RE');
    }
    cmd.commands.filter((c) => c.name() !== 'help').forEach(walk);
  };
  program.commands.forEach(walk);
  for (const topic of helpTopics) {
    lines.push(`.SH ${topic.name === 'environment' ? 'ENVIRONMENT' : 'EXIT STATUS'}`, '.nf', roff(topic.body.trimEnd()), '.fi');
  }
  lines.push('.SH FILES', '.TP', '.B ~/.config/parkctl/config.yaml, /etc/parkctl/config.yaml', roff('named profiles of settings (parkctl config); the environment overrides them'));
  lines.push('.SH EXAMPLES', '.nf', ...['lot import fixtures/surface-lot.yaml', 'booking reserve --lot RIVERSIDE --type regular --from "tomorrow 08:00" --to +2h --plate AB12CDE', 'booking show 8f83a1', 'sweeper run --every 60s'].map((e) => roff(`parkctl ${e}`)), '.fi');
  lines.push('.SH SEE ALSO', 'parkctl help <command>, parkctl help environment, parkctl help exit\\-codes');
  return lines.join('\n') + '\n';
}
