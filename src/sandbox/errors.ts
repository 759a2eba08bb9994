export type SandboxErrorCode =
  | 'already_running'
  | 'port_in_use'
  | 'bot_failed'
  | 'bot_not_ready'
  | 'unknown_user'
  | 'message_not_found'
  | 'view_not_found'
  | 'bad_request'
  | 'simulator_refused'
  | 'invalid_setting';

export class SandboxError extends Error {
  readonly code: SandboxErrorCode;

  constructor(code: SandboxErrorCode, message: string) {
    super(message);
    this.name = 'SandboxError';
    this.code = code;
  }
}
