import { LIST_DEFAULT, LIST_MAX } from '../parse-command.js';

/** The usage text for `help`, empty input and unknown subcommands (mrkdwn). */
export function usageText(command: string): string {
  return [
    `*${command}* restores chat-db (Rocket.Chat's MongoDB) from an AWS Backup recovery point, with a second engineer's confirmation. Nothing in production changes before that confirmation.`,
    '',
    `• \`${command} list [n]\`: the newest recovery points (${LIST_DEFAULT} by default, at most ${LIST_MAX}), newest first, each with a Start button; only you see the list`,
    `• \`${command} start &lt;point&gt;\`: open a restore session in this channel; its card shows the plan and a second engineer confirms it there. \`&lt;point&gt;\` is a list index (\`1\` is the newest), a recovery point id or ARN, \`latest\`, or \`before &lt;time&gt;\` (\`before 2026-05-14T08:00Z\`, UTC if no zone; or \`before 2h\`, \`30m\`, \`1d\`)`,
    `• \`${command} drill [point]\`: rehearse a restore of a point (\`latest\` by default, the same forms as \`start\`) on production's own volume without changing what production runs on: restore, locate, flatten, MongoDB's check, the cutover's change set created and deleted unexecuted, then everything torn down. No second engineer needed; a real \`start\` takes over at once. The card reports whether the point is restorable and the projected RTO`,
    `• \`${command} status\`: this channel's open session (or every open one) with its stage and the state of production`,
    `• \`${command} cancel\`: cancel this channel's open session, until its cutover (or deletion) begins; once its restore job runs, only the requester, the confirmer or an approver can`,
    `• \`${command} reject [reason]\`: reject this channel's session waiting for a confirmation, with a reason shown on its card`,
    `• \`${command} rollback\`: point chat-db back at the data directory the last restore replaced (a second engineer confirms)`,
    `• \`${command} cleanup\`: list old restore directories with their sizes, choose what to delete, a second engineer confirms; the live one is never offered`,
    `• \`${command} help\`: this text`,
    '',
    'Stage outcomes go into the card’s thread. One session at a time may change chat-db, whichever channel it runs in.',
  ].join('\n');
}
