/**
 * The wait before the next look at something whose end cannot be predicted (an SSM command, a
 * one-off task): a quarter of the time waited so far, within [minMs, maxMs]. Whatever ends early is
 * seen within the minimum interval, and a long wait overshoots its end by at most a quarter of its
 * length while costing few calls. Doubling the interval from the minimum, as before, waited up to
 * as long again as the thing had already run (a 12 s command seen at 30 s with 10 s polls).
 */
export function nextPollDelayMs(elapsedMs: number, minMs: number, maxMs: number): number {
  return Math.min(Math.max(minMs, maxMs), Math.max(minMs, elapsedMs / 4));
}
