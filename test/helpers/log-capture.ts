export type LogLine = Record<string, unknown> & { level?: number; msg?: string };

export interface LogCapture {
  /** A pino destination. */
  stream: { write(line: string): void };
  /** Every line, parsed. */
  readonly lines: LogLine[];
  /** Everything written, verbatim: search it for leaked secrets. */
  text(): string;
  find(msg: string): LogLine[];
}

/** Collects pino's JSON lines in memory, as probot's tests do. */
export function captureLogs(): LogCapture {
  const lines: LogLine[] = [];
  const raw: string[] = [];
  return {
    stream: {
      write(chunk: string) {
        raw.push(chunk);
        for (const line of chunk.split('\n')) {
          if (line.trim() === '') continue;
          try {
            lines.push(JSON.parse(line) as LogLine);
          } catch {
            lines.push({ msg: line, unparsed: true });
          }
        }
      },
    },
    lines,
    text: () => raw.join(''),
    find: (msg) => lines.filter((l) => l.msg === msg),
  };
}
