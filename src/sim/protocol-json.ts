// JSON bodies for awsJson1_1 (ECS, SSM) and restJson1 (Backup, EFS). Both write timestamps as
// epoch seconds, which is what the SDK's deserializers expect for an unannotated timestamp member.

/** Serialises a handler's result: Dates become epoch seconds, undefined members are left out. */
export function encodeJson(value: unknown): string {
  return JSON.stringify(value ?? {}, function (this: Record<string, unknown>, key, v: unknown) {
    const original = this[key];
    return original instanceof Date ? original.getTime() / 1000 : v;
  });
}

export const AWS_JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';

/** The awsJson1_1 error body; the SDK reads the code from `__type`. */
export function awsJsonErrorBody(code: string, message: string): string {
  return JSON.stringify({ __type: code, message });
}

/** The restJson1 error body: Backup's errors carry Code, EFS's ErrorCode; both carry Message. */
export function restJsonErrorBody(service: 'backup' | 'efs', code: string, message: string): string {
  return JSON.stringify(
    service === 'efs' ? { ErrorCode: code, Message: message } : { Code: code, Message: message },
  );
}
