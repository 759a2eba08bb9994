/** An AWS call failed: keeps AWS's own error name and message, which users must see verbatim. */
export class AwsCallError extends Error {
  constructor(
    readonly operation: string,
    readonly awsCode: string,
    readonly awsMessage: string,
    options?: { cause?: unknown },
  ) {
    super(`${operation}: ${awsCode}: ${awsMessage}`, options);
    this.name = 'AwsCallError';
  }
}

/** Runs one SDK call and rethrows its failure as an AwsCallError naming the operation. */
export async function call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw toAwsCallError(operation, error);
  }
}

export function toAwsCallError(operation: string, error: unknown): AwsCallError {
  if (error instanceof AwsCallError) return error;
  const e = error as { name?: string; Code?: string; message?: string };
  return new AwsCallError(operation, e?.Code ?? e?.name ?? 'Error', e?.message ?? String(error), {
    cause: error,
  });
}

export function isAwsError(error: unknown, ...codes: string[]): boolean {
  const e = error as { name?: string; awsCode?: string; Code?: string } | undefined;
  const code = e?.awsCode ?? e?.Code ?? e?.name;
  return code !== undefined && codes.includes(code);
}
