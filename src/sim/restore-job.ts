import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { SimClockControl } from './clock.js';
import { copyTree, treeSize } from './fs-tree.js';
import type { SimRecoveryPoint } from './world-types.js';

export type RestoreStatus = 'PENDING' | 'RUNNING' | 'COMPLETED' | 'ABORTED' | 'FAILED';

export interface RestoreJobRequest {
  point: SimRecoveryPoint;
  roleArn: string;
  /** The restore metadata StartRestoreJob was given, as it was given. */
  metadata: Record<string, string>;
  /** Absolute paths inside the point; absent restores the whole file system. */
  items?: string[];
  /** Ends the job this way part-way through (the one-shot `restoreJob` fault). */
  fault?: 'FAILED' | 'ABORTED';
  /** Fails the job early, as AWS does when it cannot assume the role. */
  roleDenied?: boolean;
}

/**
 * One restore job into the point's own file system. PENDING for the first tenth of its duration,
 * then RUNNING; at the end it copies the point (or its items, hierarchy preserved) into a new
 * `aws-backup-restore_<job time>` directory at the file system root and becomes COMPLETED.
 */
export class RestoreJob {
  readonly id = randomUUID().toUpperCase();
  readonly createdAt: number;
  /** The job's own time in AWS's nanosecond directory form, e.g. 2026-05-14T17-27-00-417720408Z. */
  readonly stamp: string;
  status: RestoreStatus = 'PENDING';
  statusMessage?: string;
  completedAt?: number;
  /** The directory created at the file system root, once COMPLETED. */
  restoreDir?: string;
  /** Bytes copied into restoreDir. */
  restoredBytes?: number;
  private readonly startSim: number;
  private frozenPercent?: string;
  private readonly cancels: (() => void)[] = [];

  constructor(
    readonly request: RestoreJobRequest,
    private readonly clock: SimClockControl,
    private readonly durationMs: number,
    private readonly style: { keepMtimes: boolean; stampDigits: 0 | 3 | 6 | 9 } = {
      keepMtimes: true,
      stampDigits: 9,
    },
  ) {
    this.createdAt = clock.now();
    this.stamp = restoreStamp(this.createdAt, style.stampDigits);
    this.startSim = clock.elapsed();
    const pendingMs = durationMs / 10;
    this.cancels.push(
      clock.after(pendingMs, () => {
        if (request.roleDenied) {
          this.end(
            'FAILED',
            `Access Denied: AWS Backup cannot assume role ${request.roleArn}. Check that the role exists and trusts backup.amazonaws.com.`,
          );
          return;
        }
        this.status = 'RUNNING';
      }),
    );
    if (request.fault) {
      const fault = request.fault;
      this.cancels.push(
        clock.after(durationMs / 2, () =>
          this.end(
            fault,
            fault === 'FAILED'
              ? 'Restore failed: an internal error occurred while reading the recovery point. Retry the restore job.'
              : 'Restore job was aborted by AWS Backup.',
          ),
        ),
      );
    } else {
      this.cancels.push(clock.after(durationMs, () => void this.complete()));
    }
  }

  /** "42.00%", as AWS formats it; 99.99% at most until the copy has finished. */
  percentDone(): string {
    if (this.status === 'COMPLETED') return '100.00%';
    if (this.frozenPercent !== undefined) return this.frozenPercent;
    if (this.status === 'PENDING') return '0.00%';
    const fraction = (this.clock.elapsed() - this.startSim) / this.durationMs;
    const pct = Math.min(99.99, Math.max(0, fraction * 100));
    return `${pct.toFixed(2)}%`;
  }

  /** The job's expected length in real minutes at the current speed, as AWS estimates it. */
  expectedMinutes(): number {
    return Math.max(1, Math.round(this.clock.real(this.durationMs) / 60_000));
  }

  isFinal(): boolean {
    return this.status === 'COMPLETED' || this.status === 'FAILED' || this.status === 'ABORTED';
  }

  cancel(): void {
    for (const c of this.cancels) c();
  }

  private end(status: RestoreStatus, message?: string): void {
    if (this.isFinal()) return;
    this.cancel();
    this.frozenPercent = this.percentDone();
    this.status = status;
    if (message !== undefined) this.statusMessage = message;
    this.completedAt = this.clock.now();
  }

  private async complete(): Promise<void> {
    if (this.isFinal()) return;
    const { point, items } = this.request;
    const missing = (items ?? []).filter((item) => !existsSync(join(point.snapshotDir, item)));
    if (missing.length > 0) {
      this.end('FAILED', `Items to restore not found in the recovery point: ${missing.join(', ')}`);
      return;
    }
    const dirName = `aws-backup-restore_${this.stamp}`;
    const target = join(point.fs.rootDir, dirName);
    const copy = this.style.keepMtimes ? {} : { mtime: this.clock.now() };
    try {
      if (items === undefined) {
        await copyTree(point.snapshotDir, target, copy);
      } else {
        await mkdir(target, { recursive: true });
        for (const item of items) {
          const dest = join(target, item);
          await mkdir(dirname(dest), { recursive: true });
          await copyTree(join(point.snapshotDir, item), dest, copy);
        }
      }
    } catch (error) {
      this.end('FAILED', `Restore failed while writing to the file system: ${(error as Error).message}`);
      return;
    }
    this.restoreDir = `/${dirName}`;
    this.restoredBytes = treeSize(target);
    this.end('COMPLETED');
  }
}

/** `2026-05-14T17-27-00-417720408Z`: the ISO time with ms, six more digits, `:` and `.` as `-`. */
export function nanosecondStamp(ms: number): string {
  return restoreStamp(ms, 9);
}

/**
 * The job's time as AWS writes it in the directory name, with `digits` fractional digits of the
 * second (`2022-01-17T08-53-32-695Z` for 3, none for 0: `2022-01-17T08-53-32Z`).
 */
export function restoreStamp(ms: number, digits: 0 | 3 | 6 | 9): string {
  const iso = new Date(ms).toISOString(); // 2026-05-14T17:27:00.417Z
  const extra = String(process.hrtime.bigint() % 1_000_000n).padStart(6, '0');
  const fraction = `${iso.slice(20, 23)}${extra}`.slice(0, digits);
  return `${iso.slice(0, 19).replace(/:/g, '-')}${digits === 0 ? '' : `-${fraction}`}Z`;
}
