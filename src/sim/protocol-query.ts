// awsQuery (CloudFormation): form-encoded requests with `A.member.N.B` lists, XML responses.

const XMLNS = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';

export interface QueryRequest {
  action: string;
  version?: string;
  input: Record<string, unknown>;
}

/**
 * Decodes a form body. Dotted keys nest (`A.B=x` → `{A: {B: 'x'}}`); `member.N` becomes an array
 * in index order and `entry.N.key/value` a map, so `Parameters.member.1.ParameterKey=K` gives
 * `{Parameters: [{ParameterKey: 'K'}]}`. Every scalar stays a string, as on the wire.
 */
export function decodeQuery(body: string): QueryRequest {
  const params = new URLSearchParams(body);
  const root: Record<string, unknown> = {};
  let action = '';
  let version: string | undefined;
  for (const [key, value] of params) {
    if (key === 'Action') action = value;
    else if (key === 'Version') version = value;
    else setPath(root, key.split('.'), value);
  }
  return {
    action,
    ...(version !== undefined ? { version } : {}),
    input: normalise(root) as Record<string, unknown>,
  };
}

function setPath(node: Record<string, unknown>, path: string[], value: string): void {
  const [head, ...rest] = path;
  if (head === undefined) return;
  if (rest.length === 0) {
    node[head] = value;
    return;
  }
  let child = node[head];
  if (typeof child !== 'object' || child === null) {
    child = {};
    node[head] = child;
  }
  setPath(child as Record<string, unknown>, rest, value);
}

function normalise(node: unknown): unknown {
  if (typeof node !== 'object' || node === null) return node;
  const obj = node as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (keys.length === 1 && (keys[0] === 'member' || keys[0] === 'entry')) {
    const items = obj[keys[0]] as Record<string, unknown>;
    const ordered = Object.keys(items)
      .filter((k) => /^\d+$/.test(k))
      .sort((a, b) => Number(a) - Number(b))
      .map((k) => normalise(items[k]));
    if (keys[0] === 'member') return ordered;
    const map: Record<string, unknown> = {};
    for (const entry of ordered as Record<string, unknown>[]) map[String(entry.key)] = entry.value;
    return map;
  }
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = normalise(obj[k]);
  return out;
}

export function xmlEscape(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\r/g, '&#13;');
}

/** Objects become elements, arrays `<member>` lists, Dates ISO-8601; null and undefined are left out. */
function toXml(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((item) => `<member>${toXml(item)}</member>`).join('');
  if (typeof value === 'object' && value !== null) {
    let out = '';
    for (const [key, child] of Object.entries(value)) {
      if (child === undefined || child === null) continue;
      out += `<${key}>${toXml(child)}</${key}>`;
    }
    return out;
  }
  return xmlEscape(String(value));
}

export function queryResponse(action: string, result: unknown, requestId: string): string {
  return (
    `<${action}Response xmlns="${XMLNS}"><${action}Result>${toXml(result ?? {})}</${action}Result>` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`
  );
}

export function queryError(code: string, message: string, requestId: string, status: number): string {
  const type = status >= 500 ? 'Receiver' : 'Sender';
  return (
    `<ErrorResponse xmlns="${XMLNS}"><Error><Type>${type}</Type><Code>${xmlEscape(code)}</Code>` +
    `<Message>${xmlEscape(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`
  );
}
