import { notAvailable } from './not-available.js';
import type { CommandHandler, CommandOf } from './types.js';

// The restore service is not wired in yet (issue 4/5); until then `cleanup` answers honestly.
export const cleanupCommand: CommandHandler<CommandOf<'cleanup'>> = notAvailable('cleanup');
