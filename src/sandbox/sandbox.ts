import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSessionStore } from '../restore/store.js';
import { NO_FAULTS } from '../sim/faults.js';
import { type Simulator, startSimulator } from '../sim/server.js';
import { type BotChild, startBotChild } from './bot-child.js';
import { SandboxError } from './errors.js';
import { followFaults } from './fault-follower.js';
import { type IncidentChannel, startIncidentChannel } from './incident-channel.js';
import { acquireSandboxLock } from './lock.js';

export interface SandboxOptions {
  /** The stand-in's page and Web API; 0 picks a free port. Default 3080. */
  port?: number;
  /** The simulator's port; default 0 (a free one). */
  simPort?: number;
  /** Simulated seconds per real second; default 60, so a restore takes well under a minute. */
  speed?: number;
  /** Holds the lock file, the bot's state and its log; default `<tmp>/chatdb-sandbox`. */
  dir?: string;
}

export interface Sandbox {
  /** The page: `http://127.0.0.1:<port>` */
  url: string;
  channel: IncidentChannel;
  simulator: Simulator;
  /** The bot's request URL base. */
  botUrl: string;
  /** Where the bot's JSON log lines go. */
  botLog: string;
  /** Settles when the bot process exits: after stop(), or on its own (a crash). */
  botExited: Promise<number | NodeJS.Signals | null>;
  stop(): Promise<void>;
}

export const DEFAULT_SANDBOX_PORT = 3080;
export const DEFAULT_SANDBOX_SPEED = 60;
export const defaultSandboxDir = (): string => join(tmpdir(), 'chatdb-sandbox');

/** Starts the simulator, the Slack stand-in and the bot; refuses while another sandbox runs. */
export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const dir = opts.dir ?? defaultSandboxDir();
  const port = opts.port ?? DEFAULT_SANDBOX_PORT;
  const lock = acquireSandboxLock(dir);
  const runDir = mkdtempSync(join(dir, 'run-'));
  const undo: Array<() => Promise<void> | void> = [
    () => rmSync(runDir, { recursive: true, force: true }),
    () => lock.release(),
  ];
  const cleanup = async () => {
    for (const step of undo.splice(0).reverse()) await step();
  };
  try {
    const simulator = await startSimulator({
      port: opts.simPort ?? 0,
      speed: opts.speed ?? DEFAULT_SANDBOX_SPEED,
    });
    undo.push(() => simulator.close());
    // A fresh secret per run: only this stand-in can sign requests the bot accepts.
    const signingSecret = randomBytes(16).toString('hex');
    const stateDir = join(runDir, 'state');
    const store = new FileSessionStore(join(stateDir, 'sessions'));
    const faults = followFaults({
      sessions: async () => (await store.list()).sessions,
      clear: async () => simulator.setFaults(NO_FAULTS),
    });
    undo.push(() => faults.stop());
    const channel = await startIncidentChannel({
      port,
      signingSecret,
      simEndpoint: simulator.endpoint,
      onFaults: (preset) => (preset === 'clear' ? faults.cleared() : faults.armed()),
    }).catch((error: unknown) => {
      if (error instanceof SandboxError && error.code === 'port_in_use') {
        throw new SandboxError(
          'port_in_use',
          `port ${port} is in use: a sandbox is already running at http://127.0.0.1:${port}, or another program holds the port (choose another with SANDBOX_PORT)`,
        );
      }
      throw error;
    });
    undo.push(() => channel.close());
    lock.setUrl(channel.url);
    const botLog = join(runDir, 'bot.log');
    const bot: BotChild = await startBotChild(
      {
        ...simulator.env(),
        SLACK_BOT_TOKEN: `xoxb-sandbox-${randomBytes(8).toString('hex')}`,
        SLACK_SIGNING_SECRET: signingSecret,
        SLACK_API_URL: channel.apiUrl,
        PORT: '0',
        HOST: '127.0.0.1',
        CHATDB_STATE_DIR: stateDir,
        CHATDB_APPROVERS: '',
        CHATDB_POLL_INTERVAL: '250ms',
        CHATDB_POLL_MAX_INTERVAL: '2s',
        CHATDB_CARD_UPDATE_INTERVAL: '500ms',
        LOG_LEVEL: 'info',
      },
      botLog,
    );
    undo.push(() => bot.stop());
    channel.setBotUrl(bot.url);
    return {
      url: channel.url,
      channel,
      simulator,
      botUrl: bot.url,
      botLog,
      botExited: bot.exited,
      stop: cleanup,
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
