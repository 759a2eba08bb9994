/** Whether `env` configures a real Slack app (a bot token is set); otherwise `npm start` runs the sandbox. */
export function wantsBot(env: Record<string, string | undefined>): boolean {
  return (env.SLACK_BOT_TOKEN?.trim() ?? '') !== '';
}
