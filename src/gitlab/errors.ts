export type GitLabErrorCode =
  /** GitLab answered with an error status; `status` and GitLab's message say which. */
  | 'http_error'
  /** GitLab could not be reached (DNS, connection, timeout). */
  | 'unreachable'
  /** GitLab's answer was not what its API documents. */
  | 'bad_response'
  /** The repository's template could not be edited the way the stack's was. */
  | 'edit_failed';

/** A GitLab call failed. The message never carries the token: it travels only in a header. */
export class GitLabError extends Error {
  constructor(
    readonly code: GitLabErrorCode,
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'GitLabError';
  }
}
