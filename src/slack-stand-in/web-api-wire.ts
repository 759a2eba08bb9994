// How the Slack Web API client sends its calls, read back by the Slack stand-in: form fields, some
// holding JSON, and uploaded files as multipart.

/** A form-encoded call; values that hold JSON (blocks, files, metadata) are parsed. */
export function parseWebApiForm(text: string): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(text)) {
    args[key] = value;
    if (/^\s*[[{]/.test(value)) {
      try {
        args[key] = JSON.parse(value);
      } catch {
        // Not JSON after all: keep the text.
      }
    }
  }
  return args;
}

/** The bytes of an uploaded file: the client posts it as multipart form data, others raw. */
export async function uploadedBytes(raw: Buffer, contentType: string): Promise<Buffer> {
  if (!contentType.startsWith('multipart/form-data')) return raw;
  const form = await new Response(raw, { headers: { 'content-type': contentType } }).formData();
  for (const value of form.values()) {
    if (typeof value !== 'string') return Buffer.from(await value.arrayBuffer());
  }
  return raw;
}
