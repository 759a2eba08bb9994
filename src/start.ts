// `npm start`: the bot when a Slack bot token is configured, otherwise the local sandbox, which
// needs no credentials at all.
import { wantsBot } from './sandbox/wants-bot.js';

if (wantsBot(process.env)) {
  await import('./main.js');
} else {
  const { runSandbox } = await import('./sandbox/main.js');
  process.exitCode = await runSandbox(process.env);
}
