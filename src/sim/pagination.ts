import { SimError } from './kernel.js';

export interface Page<T> {
  items: T[];
  /** Absent on the last page. */
  next?: string;
}

/**
 * One page of `items` starting where `token` says. Pages hold at most `pageSize` items even when
 * the caller asks for more, as AWS may return fewer than MaxResults. Tokens are opaque but bound
 * to the listing (`scope`), so a token from another listing is refused like AWS refuses it.
 */
export function paginate<T>(
  items: readonly T[],
  opts: { token?: unknown; max?: unknown; pageSize: number; scope: string; invalidToken: string },
): Page<T> {
  let offset = 0;
  if (opts.token !== undefined && opts.token !== null && opts.token !== '') {
    offset = decodeToken(String(opts.token), opts.scope, opts.invalidToken);
  }
  let size = opts.pageSize;
  if (opts.max !== undefined && opts.max !== null) {
    const max = Number(opts.max);
    if (!Number.isInteger(max) || max < 1) {
      throw new SimError(
        opts.invalidToken,
        `Invalid page size: ${String(opts.max)}; it must be a positive integer.`,
      );
    }
    size = Math.min(size, max);
  }
  const slice = items.slice(offset, offset + size);
  const end = offset + slice.length;
  return end < items.length ? { items: slice, next: encodeToken(opts.scope, end) } : { items: slice };
}

function encodeToken(scope: string, offset: number): string {
  return Buffer.from(JSON.stringify({ s: scope, o: offset })).toString('base64url');
}

function decodeToken(token: string, scope: string, code: string): number {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      s?: unknown;
      o?: unknown;
    };
    if (parsed.s === scope && typeof parsed.o === 'number' && Number.isInteger(parsed.o) && parsed.o >= 0) {
      return parsed.o;
    }
  } catch {
    // Falls through to the same error as a well-formed token for another listing.
  }
  throw new SimError(code, 'The pagination token is invalid or expired.');
}
