import { LIST_DEFAULT, LIST_MAX } from '../parse-command.js';

/** The usage text for `help`, empty input and unknown subcommands (mrkdwn). */
export function usageText(command: string): string {
  return [
    `*${command}* restores chat-db (Rocket.Chat's MongoDB) from an AWS Backup recovery point, with a second engineer's confirmation.`,
    '',
    `• \`${command} list [n]\`: the newest recovery points (${LIST_DEFAULT} by default, at most ${LIST_MAX}), each with a Start button`,
    `• \`${command} start <point>\`: plan a restore in this channel; a second engineer confirms it. \`<point>\` is a list index (\`1\` is the newest), a recovery point id or ARN, \`latest\`, or \`before <time>\` (\`before 2026-05-14T08:00Z\`, UTC if no zone; or \`before 2h\`, \`30m\`, \`1d\`)`,
    `• \`${command} status\`: the session in this channel and where it stands`,
    `• \`${command} cancel\`: cancel this channel's session before the cut-over begins`,
    `• \`${command} rollback\`: point chat-db back at its previous data directory (needs confirmation)`,
    `• \`${command} cleanup\`: delete old restore directories (needs confirmation; never the live one)`,
    `• \`${command} help\`: this text`,
  ].join('\n');
}
