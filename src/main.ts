import { awsSetupProblem } from './aws/startup-check.js';
import { type Config, ConfigError, loadConfig, secretValues } from './config.js';
import { createGitLabClient } from './gitlab/client.js';
import { createLogger, type Logger } from './log.js';
import { createRestoreRuntime } from './restore/runtime.js';
import { createSlackApp, SlackStartError } from './slack/app.js';
import { createWebClient } from './slack/client.js';
import { createGroupMembers } from './slack/group-members.js';
import { createMergeRequests } from './slack/merge-requests.js';
import { VERSION } from './version.js';

const STOP_TIMEOUT_MS = 10_000;

const NO_SLACK_HINT = [
  '',
  'No Slack credentials are configured, so there is no bot to run.',
  'Create the Slack app from manifest.yml (README.md, "Creating the Slack app"), then set',
  'SLACK_BOT_TOKEN and either SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP),',
  'and the CHATDB_* settings listed above.',
  'To rehearse without Slack or AWS, run `npm start` with no SLACK_BOT_TOKEN: it starts the local sandbox.',
].join('\n');

function readConfig(env: NodeJS.ProcessEnv): Config | undefined {
  try {
    return loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const noSlack = ['SLACK_BOT_TOKEN', 'SLACK_APP_TOKEN', 'SLACK_SIGNING_SECRET'].every(
      (n) => !env[n]?.trim(),
    );
    process.stderr.write(`${error.message}\n${noSlack ? `${NO_SLACK_HINT}\n` : ''}`);
    return undefined;
  }
}

async function main(env: NodeJS.ProcessEnv): Promise<number | undefined> {
  const config = readConfig(env);
  if (!config) return 2;
  const aws = await awsSetupProblem();
  if (aws !== undefined) {
    process.stderr.write(`${aws}\n`);
    return 2;
  }

  const logger = createLogger({
    level: config.log.level,
    pretty: !config.production && process.stdout.isTTY === true,
    secrets: secretValues(config),
  });
  process.on('uncaughtException', (error) => die(logger, error, 'uncaught exception'));
  process.on('unhandledRejection', (error) => die(logger, error, 'unhandled promise rejection'));

  // Every port is built here: the Slack Web API client (cards, notices, the approvers group), the
  // GitLab client behind the template's merge request, and the AWS ports inside the runtime.
  const slackClient = createWebClient(config, logger);
  const runtime = createRestoreRuntime({
    config,
    log: logger,
    groupMembers: createGroupMembers(slackClient),
  });
  const { gitlab } = config;
  const mergeRequests =
    gitlab && createMergeRequests(createGitLabClient(gitlab), gitlab.templatePath, logger);
  const slack = createSlackApp({
    config,
    logger,
    restore: runtime.service,
    client: slackClient,
    ...(mergeRequests === undefined ? {} : { mergeRequests }),
  });
  logger.info({ mode: config.slack.mode, apiUrl: config.slack.apiUrl, version: VERSION }, 'starting');
  try {
    const { mode, port } = await slack.start();
    logger.info({ mode, port, version: VERSION }, 'ready');
  } catch (error) {
    const message = error instanceof SlackStartError ? error.message : 'could not start';
    logger.fatal({ err: error }, message);
    return 1;
  }
  // Open sessions carry on from their last persisted step; the Slack layer is listening by now.
  try {
    const resumed = await runtime.service.resumeAll();
    if (resumed.length > 0) logger.info({ sessions: resumed.map((s) => s.id) }, 'resumed open sessions');
  } catch (error) {
    logger.error({ err: error }, 'could not resume open sessions');
  }

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting at once');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'stopping');
    const timer = setTimeout(() => {
      logger.error({ timeoutMs: STOP_TIMEOUT_MS }, 'did not stop in time: exiting');
      process.exit(1);
    }, STOP_TIMEOUT_MS);
    timer.unref();
    Promise.all([slack.stop(), runtime.close()]).then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  return undefined;
}

function die(logger: Logger, error: unknown, what: string): never {
  logger.fatal({ err: error }, what);
  process.exit(1);
}

const code = await main(process.env);
if (code !== undefined) process.exitCode = code;
