import { createRequire } from 'node:module';
import { inspect } from 'node:util';
import type { Logger as BoltLogger } from '@slack/bolt';
import { LogLevel } from '@slack/bolt';
import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';
import type { LogLevelName } from './config.js';
import { CENSOR, redactLine, redactSecrets, SECRET_KEYS } from './log-redaction.js';

export type { Logger } from 'pino';

/** pino's key for an Error (`log.error({ err }, …)`, or `log.error(err)`). */
const ERROR_KEY = 'err';

export interface LoggerSetup {
  level: LogLevelName;
  /** Human-readable lines (pino-pretty); JSON lines otherwise. */
  pretty: boolean;
  /** Where lines go; stdout when absent. Tests pass a stream to collect the JSON lines. */
  destination?: DestinationStream;
  /**
   * Secret values to blank out of every line, whatever field or message text carries them. Key
   * based redaction cannot see a token inside a string that Bolt or an SDK formatted for us.
   */
  secrets?: readonly string[];
}

export function createLogger(setup: LoggerSetup): Logger {
  const options: LoggerOptions = {
    name: 'chatdb-restore',
    level: setup.level,
    // Secret-named fields are censored by one walk per line (log-redaction.ts), not pino's `redact`.
    // pino applies the bindings formatter to the root's bindings only; a child's are censored by
    // name through the serializers, which pino also runs over bindings.
    formatters: {
      bindings: (bindings) => redactSecrets(bindings),
      log: (obj) => redactLine(obj, ERROR_KEY),
    },
    serializers: {
      ...Object.fromEntries([...SECRET_KEYS].map((key) => [key, () => CENSOR])),
      [ERROR_KEY]: (err: unknown) => redactSecrets(pino.stdSerializers.err(err as Error), 2),
    },
  };
  // Asynchronous: lines written together while one write is under way go out as one, and a slow
  // reader of stdout cannot stall the bot (stdout is a non-blocking pipe in a container, and a
  // synchronous SonicBoom sleeps 100 ms on the event loop at every EAGAIN). pino flushes what is
  // left when the process exits, a fatal line before process.exit included.
  let sink: DestinationStream = setup.destination ?? pino.destination({ dest: 1, sync: false });
  if (setup.pretty && setup.destination === undefined) sink = prettyStdout() ?? sink;
  const secrets = (setup.secrets ?? []).filter((s) => s.length >= 8);
  if (secrets.length > 0) {
    const inner = sink;
    sink = {
      write(line: string) {
        let clean = line;
        for (const secret of secrets) clean = clean.replaceAll(secret, CENSOR);
        inner.write(clean);
      },
    };
  }
  return pino(options, sink);
}

/**
 * pino-pretty is a dev dependency: the production image does not have it, and then a terminal
 * gets JSON rather than a crash. It runs in-process (not as a worker transport) so the secret
 * scrubbing above sees every line before it is formatted.
 */
function prettyStdout(): DestinationStream | undefined {
  try {
    const require = createRequire(import.meta.url);
    const pretty = require('pino-pretty') as (opts: Record<string, unknown>) => DestinationStream;
    return pretty({
      colorize: true,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname,name',
      destination: 1,
      sync: true,
    });
  } catch {
    return undefined;
  }
}

export interface RequestContext {
  user?: string;
  channel?: string;
  session?: string;
}

/** The child logger for one Slack request: every line carries who, where and which session. */
export function requestLogger(root: Logger, ctx: RequestContext): Logger {
  const bindings: Record<string, string> = {};
  for (const [key, value] of Object.entries(ctx)) if (value !== undefined) bindings[key] = value;
  return root.child(bindings);
}

const TO_BOLT: Record<string, LogLevel> = {
  trace: LogLevel.DEBUG,
  debug: LogLevel.DEBUG,
  info: LogLevel.INFO,
  warn: LogLevel.WARN,
  error: LogLevel.ERROR,
  fatal: LogLevel.ERROR,
  silent: LogLevel.ERROR,
};

/** Bolt's and the Web API client's logging, as pino lines with `component: bolt`. */
export function boltLogger(root: Logger): BoltLogger {
  let log = root.child({ component: 'bolt' });
  const emit =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (...msg: unknown[]): void => {
      if (!log.isLevelEnabled(level)) return;
      const err = msg.find((m): m is Error => m instanceof Error);
      const text = msg
        .filter((m) => m !== err)
        .map((m) =>
          typeof m === 'string' ? m : inspect(m, { depth: 4, breakLength: Number.POSITIVE_INFINITY }),
        )
        .join(' ');
      if (err) log[level]({ err }, text || err.message);
      else log[level](text);
    };
  return {
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    // LOG_LEVEL governs: Bolt's App forces INFO on its logger unless given a level of its own.
    setLevel(_level: LogLevel) {},
    getLevel(): LogLevel {
      return TO_BOLT[log.level] ?? LogLevel.INFO;
    },
    setName(name: string) {
      log = root.child({ component: name });
    },
  };
}
