// Configuration is read and validated once, here (STYLE.md rule 6). No other file reads process.env.
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { activeProfile, configKeys, userConfigPath, withConfigFile, type ConfigKey } from './config-file.js';
import { UsageError } from './core/errors.js';
import { parseNow } from './core/input.js';

export interface StripeConfig {
  secretKey: string;
  /** any Stripe-compatible server, e.g. a local fake: http://127.0.0.1:12111 */
  apiBase: string | null;
  webhookSecret: string | null;
  successUrl: string;
  cancelUrl: string;
}

export interface Config {
  /** DATABASE_URL; null: the embedded server in `home` */
  databaseUrl: string | null;
  /** PARKCTL_HOME, else $XDG_DATA_HOME/parkctl, else ~/.local/share/parkctl */
  home: string;
  /** PARKCTL_NOW: run at a chosen instant */
  now: Date | null;
  redisUrl: string | null;
  mqttUrl: string | null;
  stripe: StripeConfig | null;
  /** who the audit trail names for this process */
  actor: string;
  /** $NOTIFY_SOCKET: set by systemd for Type=notify services (READY=1, WATCHDOG=1); null otherwise */
  notifySocket: string | null;
  /** NO_COLOR set: no colours anywhere */
  noColor: boolean;
  /** standard output is a terminal */
  isTty: boolean;
  /** standard error is a terminal (progress bars) */
  stderrIsTty: boolean;
  /** COLUMNS: the width tables fit in, also when stdout is not a terminal; null: the terminal's, or none when piped */
  columns: number | null;
  /** PARKCTL_PAGER, else PAGER, else `less -FRX`: long tables on a terminal go through it; null (set empty, or cat): none */
  pager: string | null;
  /** the config file profile in force, each setting with where it came from (parkctl config get) */
  profile: ConfigView;
}

export interface ConfigView {
  name: string;
  /** the file `config set` and `config use` write */
  userPath: string;
  settings: { key: ConfigKey; variable: string; value: string; source: string }[];
}

function configView(processEnv: Env): ConfigView {
  const profile = activeProfile(processEnv);
  const settings: ConfigView['settings'] = [];
  for (const [key, variable] of Object.entries(configKeys) as [ConfigKey, string][]) {
    const fromEnv = nonEmpty(processEnv[variable]);
    const fromFile = profile.settings[key];
    if (fromEnv !== null) settings.push({ key, variable, value: fromEnv, source: 'environment' });
    else if (fromFile) settings.push({ key, variable, value: fromFile.value, source: fromFile.source });
  }
  return { name: profile.name, userPath: userConfigPath(processEnv), settings };
}

type Env = Record<string, string | undefined>;

function nonEmpty(v: string | undefined): string | null {
  return v && v.trim() !== '' ? v.trim() : null;
}

const sslModes = new Set(['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full', 'no-verify']);

/** Why `url` is not a usable PostgreSQL URL, or null when it is (the driver would throw a TypeError at connect). */
function databaseUrlProblem(url: string): string | null {
  if (!/^postgres(ql)?:\/\/|^socket:/i.test(url)) return 'is not a PostgreSQL URL';
  if (/^socket:/i.test(url)) return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'is not a well-formed URL';
  }
  const port = parsed.port === '' ? 5432 : Number(parsed.port);
  if (!(port >= 1 && port <= 65535)) return `has port ${parsed.port}, outside 1-65535`;
  try {
    decodeURIComponent(parsed.username + parsed.password + parsed.pathname);
  } catch {
    return 'has a malformed %-escape';
  }
  const ssl = parsed.searchParams.get('sslmode');
  if (ssl !== null && !sslModes.has(ssl)) return `has sslmode "${ssl.slice(0, 20)}", not one of ${[...sslModes].join(', ')}`;
  return null;
}

function databaseUrl(url: string | null): string | null {
  const problem = url === null ? null : databaseUrlProblem(url);
  if (problem) {
    throw new UsageError(`DATABASE_URL ${problem}`, { hint: 'e.g. postgres://parkctl@db.example:5432/parkctl, or unset it for the embedded database', code: 'bad_database_url' });
  }
  return url;
}

/** COLUMNS as a width: a whole number from 20 to 1000, else null (ignored as a shell would). */
function columnsOf(v: string | undefined): number | null {
  const n = v !== undefined && /^\d{1,4}$/.test(v.trim()) ? Number(v.trim()) : NaN;
  return n >= 20 && n <= 1000 ? n : null;
}

function pagerOf(v: string | undefined): string | null {
  if (v === undefined) return 'less -FRX';
  const p = v.trim();
  return p === '' || p === 'cat' ? null : p;
}

export function loadConfig(processEnv: Env = process.env, isTty = Boolean(process.stdout.isTTY), stderrIsTty = Boolean(process.stderr.isTTY)): Config {
  const env = withConfigFile(processEnv); // the config file's profile under the environment (config-file.ts)
  const xdg = nonEmpty(env.XDG_DATA_HOME) ?? join(homedir(), '.local', 'share');
  const stripeKey = nonEmpty(env.STRIPE_SECRET_KEY) ?? nonEmpty(env.STRIPE_API_KEY);
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    user = nonEmpty(env.USER) ?? 'unknown';
  }
  return {
    databaseUrl: databaseUrl(nonEmpty(env.DATABASE_URL)),
    home: nonEmpty(env.PARKCTL_HOME) ?? join(xdg, 'parkctl'),
    now: nonEmpty(env.PARKCTL_NOW) ? parseNow(env.PARKCTL_NOW!) : null,
    redisUrl: nonEmpty(env.REDIS_URL),
    mqttUrl: nonEmpty(env.MQTT_URL),
    stripe: stripeKey
      ? {
          secretKey: stripeKey,
          apiBase: nonEmpty(env.STRIPE_API_BASE),
          webhookSecret: nonEmpty(env.STRIPE_WEBHOOK_SECRET),
          successUrl: nonEmpty(env.PARKCTL_PAYMENT_SUCCESS_URL) ?? 'https://example.invalid/parkctl/paid?session={CHECKOUT_SESSION_ID}',
          cancelUrl: nonEmpty(env.PARKCTL_PAYMENT_CANCEL_URL) ?? 'https://example.invalid/parkctl/cancelled',
        }
      : null,
    actor: nonEmpty(env.PARKCTL_ACTOR) ?? `cli:${user}`,
    notifySocket: nonEmpty(env.NOTIFY_SOCKET),
    noColor: env.NO_COLOR !== undefined && env.NO_COLOR !== '',
    isTty,
    stderrIsTty,
    columns: columnsOf(env.COLUMNS),
    pager: pagerOf(env.PARKCTL_PAGER ?? env.PAGER),
    profile: configView(processEnv),
  };
}
