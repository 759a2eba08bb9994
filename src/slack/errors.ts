import { COMMAND } from './ids.js';
import { INDEX_MAX, LIST_MAX, MAX_COMMAND_TEXT, ParseError, type Subcommand } from './parse-command.js';

/** A subcommand whose machinery this build does not have yet. */
export class NotAvailableError extends Error {
  readonly code = 'not_available';
  readonly subcommand: Subcommand;

  constructor(subcommand: Subcommand) {
    super(`${subcommand} is not available yet`);
    this.name = 'NotAvailableError';
    this.subcommand = subcommand;
  }
}

/**
 * User text shows what the user typed. Slack would turn `<…>` into links or mentions and
 * backticks would break our code spans, so those are neutralised and long words cut short.
 */
export function quoteUserText(text: string, max = 60): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  const safe = cut
    .replace(/\p{Cc}/gu, '?')
    .replaceAll('`', "'")
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;');
  return `\`${safe}\``;
}

const POINT_FORMS =
  'a list index (`1` is the newest), a recovery point id or ARN, `latest`, or `before <time>` ' +
  '(`before 2026-05-14T08:00Z`, `before 2h`)';

/** The one place where error codes become what a user reads. Every text says what to do next. */
export function userMessage(error: unknown, command: string = COMMAND): string {
  if (error instanceof ParseError) return parseErrorText(error, command);
  if (error instanceof NotAvailableError) {
    return (
      `\`${error.subcommand}\` is not available yet in this build: the restore machinery is still being built. ` +
      `Nothing was changed. \`${command} help\` lists what works.`
    );
  }
  return (
    'Something went wrong on the bot’s side and this request was not carried out; nothing was changed. ' +
    'The details are in the bot’s log.'
  );
}

function parseErrorText(error: ParseError, command: string): string {
  const arg = error.argument === undefined ? '' : quoteUserText(error.argument);
  const sub = error.subcommand;
  switch (error.code) {
    case 'too_long':
      return `That is more than ${MAX_COMMAND_TEXT} characters; no command here needs that many. \`${command} help\` shows the forms.`;
    case 'unknown_subcommand':
      return `${arg} is not a subcommand of \`${command}\`.`;
    case 'missing_argument':
      if (error.argument === 'before') {
        return `\`start before\` needs a time: an ISO time like \`2026-05-14T08:00Z\` (UTC if no zone), or how long ago, like \`2h\`, \`30m\` or \`1d\`.`;
      }
      return `\`${sub}\` needs a recovery point: ${POINT_FORMS}.`;
    case 'unexpected_argument':
      if (sub === 'start') return `\`start\` takes one recovery point; ${arg} is one word too many.`;
      if (sub === 'list') return `\`list\` takes at most one number; ${arg} is one word too many.`;
      return `\`${sub}\` takes no arguments; remove ${arg}.`;
    case 'invalid_argument':
      if (sub === 'list')
        return `${arg} is not a number of recovery points; use 1 to ${LIST_MAX}, like \`${command} list 20\`.`;
      return `${arg} is not a recovery point. Use ${POINT_FORMS}; list indexes go up to ${INDEX_MAX}.`;
    case 'unsafe_argument':
      return (
        `${arg} contains characters that never appear in a recovery point (shell, path or markup characters), ` +
        `so it was refused and nothing was run. Use ${POINT_FORMS}.`
      );
  }
}
