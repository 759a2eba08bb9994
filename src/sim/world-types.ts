// The simulated resources that several services share.

export interface SimFileSystem {
  /** The template's logical id (DbStorage, DumpStorage). */
  logicalId: string;
  id: string;
  arn: string;
  name: string;
  /** The host directory holding the file system's contents. */
  rootDir: string;
  createdAt: number;
}

export interface SimRecoveryPoint {
  id: string;
  arn: string;
  fs: SimFileSystem;
  /** The vault holding it: the scenario's backupVault, or EFS's automatic backup vault. */
  vault: string;
  createdAt: number;
  completedAt?: number;
  status: string;
  statusMessage?: string;
  /** The host directory holding the point's contents. */
  snapshotDir: string;
  sizeBytes: number;
}

export interface SimAccount {
  region: string;
  accountId: string;
}
