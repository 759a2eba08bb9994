import { notAvailable } from './not-available.js';
import type { CommandHandler, CommandOf } from './types.js';

// The restore service is not wired in yet (issue 4/5); until then `cancel` answers honestly.
export const cancelCommand: CommandHandler<CommandOf<'cancel'>> = notAvailable('cancel');
