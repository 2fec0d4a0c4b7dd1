// The command table. A one-shot command should not pay for loading every other command (issue 13):
// each group's module is imported only when that group runs; the others are stand-ins that carry just
// what the top-level help and the "did you mean" suggestions show. `completion` walks the whole tree,
// so it loads every group. test/cli-lazy-load.test.ts holds this table to the real commands.
import { Help, type Command } from 'commander';
import type { AppContext, GlobalOptions } from './context.js';
import { commandNamed } from './command-named.js';

export { commandNamed };

/** Runs an action with the app context; cli.ts owns errors, exit codes and cleanup. */
export type Run = (fn: (ctx: AppContext, opts: GlobalOptions) => Promise<void>, cmd: Command) => Promise<void>;

type Register = (program: Command, run: Run) => void;

export interface CommandSummary {
  name: string;
  /** the name with what the top-level help shows after it: `[options]` and arguments */
  term: string;
  description: string;
}

interface CommandModule {
  /** the top-level commands the module registers, in help order */
  commands: CommandSummary[];
  load: () => Promise<Register>;
}

const plain = (name: string, description: string): CommandSummary => ({ name, term: name, description });

/** Every top-level command in help order, with the module that registers it. */
export const commandModules: CommandModule[] = [
  { commands: [plain('db', 'the database: migrations and the embedded server')], load: async () => (await import('./db.js')).registerDb },
  { commands: [plain('lot', 'lots: import from a file, list, show live counts')], load: async () => (await import('./lot.js')).registerLot },
  { commands: [plain('capacity', 'free spots and prices')], load: async () => (await import('./capacity.js')).registerCapacity },
  { commands: [plain('booking', 'reservations: reserve, pay, cancel, look up')], load: async () => (await import('./booking.js')).registerBooking },
  { commands: [plain('visit', 'cars in and out, by hand (the gate daemon does the same)')], load: async () => (await import('./visit.js')).registerVisit },
  { commands: [plain('price', 'prices: quote a window with its breakdown')], load: async () => (await import('./price.js')).registerPrice },
  { commands: [plain('payments', 'money: Stripe webhooks, payments taken at the exit, refunds')], load: async () => (await import('./payments.js')).registerPayments },
  { commands: [plain('permit', 'monthly permits: plates that may park on given days and times while paid')], load: async () => (await import('./permit.js')).registerPermit },
  { commands: [plain('ticket', 'drive-up tickets: what one owes, pay it, replace a lost one')], load: async () => (await import('./ticket.js')).registerTicket },
  { commands: [plain('validation', 'validations: shops, hotels and cinemas taking parking off their customers\' fee')], load: async () => (await import('./validation.js')).registerValidation },
  { commands: [plain('shift', 'the cashier\'s shift: open with a float, close by counting the drawer')], load: async () => (await import('./shift.js')).registerShift },
  { commands: [plain('report', 'reports: revenue, occupancy, turnover, no-shows, exceptions, takings')], load: async () => (await import('./report.js')).registerReport },
  { commands: [plain('ev', 'EV charging: the OCPP 1.6J central system, chargers on EV spots, charging billed at the exit')], load: async () => (await import('./ev.js')).registerEv },
  { commands: [plain('sweeper', 'cron jobs: expire unpaid holds, release no-shows, flag overstays')], load: async () => (await import('./sweeper.js')).registerSweeper },
  {
    commands: [
      plain('gate-daemon', 'the gate daemon: drives one barrier lane, decides locally, journals every event'),
      plain('gate', 'gates by hand: open a barrier with a reason'),
    ],
    load: async () => (await import('./gate.js')).registerGate,
  },
  { commands: [plain('sensors', 'spot sensors: ingest their uplinks over MQTT, list what they sense')], load: async () => (await import('./sensors.js')).registerSensors },
  { commands: [plain('api', 'the HTTP API for drivers\' apps, partners\' gates and operators\' tools')], load: async () => (await import('./api.js')).registerApi },
  {
    commands: [{ name: 'dashboard', term: 'dashboard [options]', description: 'the live attendant dashboard: occupancy, gates, arrivals, holds, alerts; keys act on bookings (? for help)' }],
    load: async () => (await import('./dashboard.js')).registerDashboard,
  },
  {
    commands: [{
      name: 'demo',
      term: 'demo [options]',
      description: 'play a busy morning in the sample garage, in a scratch database of its own (<your database>_demo on the same server, made afresh each run; your data is never touched); on a terminal, watch it live on the dashboard',
    }],
    load: async () => (await import('./demo.js')).registerDemo,
  },
  { commands: [plain('bench', 'measure parkctl on this machine (nothing here is a test)')], load: async () => (await import('./bench.js')).registerBench },
  { commands: [plain('config', 'settings in profiles, one per site: ~/.config/parkctl/config.yaml over /etc/parkctl/config.yaml')], load: async () => (await import('./config.js')).registerConfig },
  {
    commands: [{ name: 'completion', term: 'completion [options] [shell]', description: 'print a shell completion script: bash, zsh or fish' }],
    load: async () => (await import('./completion.js')).registerCompletion,
  },
];

/** Commands that need the whole tree registered for real. */
const needsEveryCommand = new Set(['completion']);

/**
 * Register the commands on `program` for a run of `args` (the words after the program name): the
 * named group for real, the others as stand-ins; every group when `args` is null, or names
 * `completion`, or names nothing we know (commander then reports it with the real tree).
 */
export async function registerCommands(program: Command, run: Run, args: string[] | null = null): Promise<void> {
  const named = args === null ? null : commandNamed(args);
  const known = named !== null && commandModules.some((m) => m.commands.some((c) => c.name === named));
  const loadAll = args === null || (named !== null && (needsEveryCommand.has(named) || (!known && named !== 'help')));
  const terms = new Map<Command, string>();
  for (const m of commandModules) {
    if (loadAll || m.commands.some((c) => c.name === named)) {
      (await m.load())(program, run);
      continue;
    }
    for (const c of m.commands) {
      const stub = program.command(c.name).description(c.description);
      terms.set(stub, c.term);
    }
  }
  if (terms.size > 0) {
    const base = new Help();
    program.configureHelp({ ...program.configureHelp(), subcommandTerm: (cmd) => terms.get(cmd) ?? base.subcommandTerm(cmd) });
  }
}
