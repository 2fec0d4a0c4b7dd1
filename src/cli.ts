// Wires the commands and renders every error one way (STYLE.md): expected errors are one line and a
// hint, external failures name the service, anything else is a bug with its stack. Returns the exit
// code; only bin/parkctl sets it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { isConnectionLost } from './core/db.js';
import { ExitCode, ExternalError, UsageError, UserError } from './core/errors.js';
import type { AppContext, GlobalOptions } from './commands/context.js';
import { registerCommands, type Run } from './commands/index.js';
import { Output, toSafeJson } from './commands/output.js';
import { outputFormats, parseFields, type OutputFormat } from './commands/output-formats.js';
import type { Config } from './config.js';
import { outcomeMessage, writeOutcomeHint, type Invocation } from './commands/write-outcome.js';
import { isZodError } from './commands/zod-error.js';
import { dataExceptionMessage, oneLine } from './commands/one-line.js';
import { decorateHelp, helpTopicFor, rewriteHelpWords } from './commands/help.js';
import { escapeControlCharacters, escapeControlCharactersInBlock } from './core/control-characters.js';
import { packageRoot } from './package-root.js';
import { abandonEarlyPool, EarlyPoolSlot, startEarlyPool } from './commands/early-pool.js';

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export interface ErrorReport {
  code: string;
  message: string;
  hint?: string;
  service?: string;
  /** a write that lost its service: not_applied, applied or unknown */
  outcome?: string;
  /** the idempotency key to run it again with (printed when the outcome is unknown) */
  idempotencyKey?: string;
  exitCode: number;
}

/**
 * An outage is an outage (issue 21): a service that went away at connect, mid-query or mid-COMMIT is
 * exit 69 with one line and a hint, never a bug. For a write, the line says what became of it.
 */
function describeExternal(err: ExternalError, inv: Invocation | undefined): ErrorReport {
  const report: ErrorReport = { code: 'unavailable', service: err.service, message: `${err.service}: ${err.message}`, hint: err.hint, exitCode: err.exitCode };
  const hint = inv && err.outcome ? writeOutcomeHint(inv, err.outcome) : undefined;
  if (!inv || !err.outcome || !hint) return report;
  report.outcome = err.outcome;
  report.message += ` (${outcomeMessage[err.outcome]})`;
  report.hint = hint;
  if (err.outcome === 'unknown' && inv.key) report.idempotencyKey = inv.key.value;
  return report;
}

/**
 * A lost connection as the outage it is (issue 21). The PostgreSQL driver is loaded only when one is
 * met, so --help and --version never load pg (issue 13).
 */
export async function asOutage(err: unknown, databaseUrl?: string | null): Promise<unknown> {
  if (err instanceof ExternalError || !isConnectionLost(err)) return err;
  const { describeOutage } = await import('./drivers/postgres.js');
  return describeOutage(err, databaseUrl ?? null);
}

/** Pass errors through asOutage first: a lost connection not yet described is reported as a bug. */
export function describeError(err: unknown, inv?: Invocation): ErrorReport {
  if (err instanceof UserError) return { code: err.code, message: err.message, hint: err.hint, exitCode: err.exitCode };
  if (err instanceof ExternalError) return describeExternal(err, inv);
  if (err instanceof CommanderError) return { code: 'bad_usage', message: err.message.replace(/^error: /, ''), hint: 'see parkctl --help', exitCode: ExitCode.usage };
  if (isZodError(err)) return { code: 'bad_input', message: err.issues[0]?.message ?? 'bad input', exitCode: ExitCode.usage };
  const dataException = dataExceptionMessage(err);
  if (dataException) return { code: 'bad_value', message: dataException, hint: 'check the values given: no NUL bytes, whole numbers below 2,147,483,648, times within years 1-9999', exitCode: ExitCode.usage };
  return { code: 'bug', message: err instanceof Error ? (err.stack ?? err.message) : String(err), hint: 'this is a bug in parkctl: please report it with the lines above', exitCode: ExitCode.bug };
}

/** Where commander writes help and its own errors; set before commands are added so they inherit it. */
export interface ProgramOutput {
  writeOut: (text: string) => void;
  writeErr: (text: string) => void;
}

/**
 * The program for a run of `args` (the words after the program name): only the command they name is
 * loaded (see commands/index.ts); null loads every command.
 */
export async function buildProgram(run: Run, output?: ProgramOutput, args: string[] | null = null): Promise<Command> {
  const program = new Command('parkctl');
  if (output) program.configureOutput({ ...output, outputError: () => {} });
  program
    .description('Run a parking lot on site: bookings, capacity, sweepers, gates and the attendant dashboard.')
    .version(packageVersion(), '-V, --version', 'print the version')
    .option('--json', 'print JSON for scripts instead of tables (as -o json)')
    .addOption(new Option('-o, --output <format>', 'table, wide (every column, whole ids), json, yaml or csv').choices(outputFormats))
    .option('--fields <names>', 'only these fields, by their JSON names, in this order: --fields reservationId,plate,status')
    .option('--no-headers', 'tables and CSV without their header line')
    .option('-q, --quiet', 'ids only, one a line (lists)')
    .option('--now <instant>', 'run as if it were this instant (ISO 8601 with zone), also PARKCTL_NOW')
    .option('-v, --verbose', 'log what happens to stderr')
    .showSuggestionAfterError(true)
    .configureHelp({ showGlobalOptions: true })
    .exitOverride();
  await registerCommands(program, run, args);
  decorateHelp(program);
  return program;
}

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** standard output is a terminal (tables may be drawn, the dashboard may open) */
  isTty: boolean;
  /** standard error is a terminal (progress bars may be drawn there) */
  stderrIsTty?: boolean;
  /** the terminal's width and height, when stdout is one */
  columns?: () => number | undefined;
  rows?: () => number | undefined;
  /** long tables may go through a pager on this process's own terminal */
  pager?: boolean;
}

const processIo: Io = {
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
  isTty: Boolean(process.stdout.isTTY),
  stderrIsTty: Boolean(process.stderr.isTTY),
  columns: () => process.stdout.columns,
  rows: () => process.stdout.rows,
  pager: true,
};

/** -o json (or --json) prints errors as JSON on stdout too. */
function wantsJson(opts: GlobalOptions): boolean {
  return Boolean(opts.json) || opts.output === 'json';
}

/**
 * The global output options as Output takes them (README "Output"): tables fit COLUMNS, else the
 * terminal, else nothing (piped: no cut); colour and the pager only on a terminal.
 */
function outputFor(opts: GlobalOptions, config: Config, io: Io): Output {
  const format: OutputFormat = opts.output ?? (opts.json ? 'json' : 'table');
  // -q prints ids for people's pipes; with a machine format one of the two would be ignored silently
  if (opts.quiet && (opts.json || format === 'json' || format === 'yaml' || format === 'csv')) {
    throw new UsageError(`-q and ${opts.json ? '--json' : `-o ${format}`} do not go together`, { hint: 'use -q for ids only, or --json for the data', code: 'bad_option' });
  }
  return new Output(format === 'json', io.stdout, io.stderr, {
    format,
    fields: opts.fields === undefined ? null : parseFields(opts.fields),
    headers: opts.headers !== false,
    quiet: Boolean(opts.quiet),
    width: config.columns ?? (io.isTty ? (io.columns?.() ?? 80) : null),
    colour: io.isTty && !config.noColor,
    pager: io.isTty && io.pager ? config.pager : null,
    rows: io.isTty ? (io.rows?.() ?? null) : null,
  });
}

/**
 * Runs one command line. `started`: the early connection bin/parkctl opened for it before loading this
 * bundle (early-pool.ts), else main() opens it here.
 */
export async function main(argv: string[], env: Record<string, string | undefined> = process.env, io: Io = processIo, started?: EarlyPoolSlot): Promise<number> {
  let json = argv.includes('--json') || argv.some((a, i) => a === '-ojson' || a === '--output=json' || ((a === '-o' || a === '--output') && argv[i + 1] === 'json'));
  let ctx: AppContext | null = null;
  let early = new EarlyPoolSlot(null);
  let invocation: Invocation | undefined;
  const run: Run = async (fn, cmd) => {
    const opts = cmd.optsWithGlobals<GlobalOptions>();
    json = wantsJson(opts);
    const parent = cmd.parent && cmd.parent.parent ? `${cmd.parent.name()} ` : '';
    invocation = { path: `${parent}${cmd.name()}`, args: cmd.args, opts: cmd.opts() };
    // loaded here, not at start-up: --help and --version need neither (issue 13)
    const [{ loadConfig }, { AppContext }, { useSystemZones }] = await Promise.all([import('./config.js'), import('./commands/context.js'), import('./core/time/system-zones.js')]);
    useSystemZones();
    const config = loadConfig(env, io.isTty, io.stderrIsTty ?? false);
    ctx = new AppContext(config, opts, outputFor(opts, config, io));
    ctx.earlyPool = early;
    try {
      await fn(ctx, opts);
    } finally {
      invocation.key = ctx.writeKey ?? undefined;
    }
  };
  // `help environment`, `help exit-codes`: topics, not commands; `help booking reserve`: that command's help
  const topic = helpTopicFor(argv.slice(2));
  if (topic) {
    io.stdout(topic.body);
    return ExitCode.ok;
  }
  argv = [...argv.slice(0, 2), ...rewriteHelpWords(argv.slice(2))];
  // PostgreSQL starts a backend for this command while Node compiles it (early-pool.ts)
  early = started ?? startEarlyPool(argv.slice(2), env);
  try {
    const program = await buildProgram(run, {
      writeOut: (s) => io.stdout(s),
      writeErr: (s) => { if (!json) io.stderr(escapeControlCharactersInBlock(s)); },
    }, argv.slice(2));
    await program.parseAsync(argv);
    return (ctx as AppContext | null)?.exitCode ?? ExitCode.ok;
  } catch (err) {
    if (err instanceof CommanderError && (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help')) {
      return ExitCode.ok;
    }
    const report = describeError(await asOutage(err, (ctx as AppContext | null)?.config.databaseUrl), invocation);
    if (report.exitCode !== ExitCode.bug) {
      report.message = oneLine(report.message);
      if (report.hint) report.hint = oneLine(report.hint);
    }
    if (json) {
      io.stdout(toSafeJson({ error: report }) + '\n');
    } else {
      // A message may quote what was typed or read (a plate, a lot code): shown escaped, never raw.
      const shown = report.exitCode === ExitCode.bug ? escapeControlCharactersInBlock : escapeControlCharacters;
      io.stderr(`parkctl: ${shown(report.message)}\n`);
      if (report.hint) io.stderr(`  hint: ${escapeControlCharacters(report.hint)}\n`);
      if (report.idempotencyKey) io.stderr(`  idempotency key: ${escapeControlCharacters(report.idempotencyKey)}\n`);
    }
    return report.exitCode;
  } finally {
    await (ctx as AppContext | null)?.close();
    await abandonEarlyPool(early);
  }
}

export { UsageError };
