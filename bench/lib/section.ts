/** One line of the printed table: measure, result, goal. */
export type Row = [measure: string, result: string, goal: string];

export interface SectionOutput {
  /** The sizes it ran at, under `sizes.<name>` in results.json. */
  sizes?: unknown;
  /** Top-level entries of results.json. */
  figures: Record<string, unknown>;
  rows: Row[];
}

/**
 * One part of `npm run bench`, selectable by name (`npm run bench -- ack restore`). A new part is
 * one module exporting a section and one entry in bench/run.ts's list.
 */
export interface BenchSection {
  name: string;
  /** The progress line printed before it runs. */
  title: string;
  run(): Promise<SectionOutput>;
}
