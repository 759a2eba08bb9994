import { notAvailable } from './not-available.js';
import type { CommandHandler, CommandOf } from './types.js';

// The restore service is not wired in yet (issue 4/5); until then `start` answers honestly.
export const startCommand: CommandHandler<CommandOf<'start'>> = notAvailable('start');
