import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeFileSystemsCommand, EFSClient, paginateDescribeFileSystems } from '@aws-sdk/client-efs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Simulator } from '../../src/sim/server.js';
import { clientConfig, DB_FS, DB_FS_ARN, DUMP_FS, withSim } from './support.js';

let sim: Simulator;
let efs: EFSClient;

beforeAll(async () => {
  sim = await withSim();
  efs = new EFSClient(clientConfig(sim));
});
afterAll(async () => {
  efs.destroy();
  await sim.close();
});

describe('EFS DescribeFileSystems', () => {
  it('describes one file system by id, with its real size', async () => {
    const r = await efs.send(new DescribeFileSystemsCommand({ FileSystemId: DB_FS }));
    expect(r.FileSystems).toHaveLength(1);
    const fs = r.FileSystems?.[0];
    expect(fs).toMatchObject({
      FileSystemId: DB_FS,
      FileSystemArn: DB_FS_ARN,
      LifeCycleState: 'available',
      OwnerId: '123456789012',
      Encrypted: true,
    });
    expect(fs?.CreationTime).toBeInstanceOf(Date);
    const tree = sim.state().fileSystems.find((f) => f.id === DB_FS)?.tree as { size: number };
    expect(fs?.SizeInBytes?.Value).toBe(tree.size);
    const size = fs?.SizeInBytes?.Value ?? 0;
    expect(size).toBeGreaterThan(0);
    // Writing to the volume shows up in the metered size.
    const mount = sim.env().CHATDB_INSPECTOR_MOUNT as string;
    mkdirSync(join(mount, 'extra'), { recursive: true });
    writeFileSync(join(mount, 'extra', 'blob'), Buffer.alloc(10_000));
    const after = await efs.send(new DescribeFileSystemsCommand({ FileSystemId: DB_FS }));
    expect(after.FileSystems?.[0]?.SizeInBytes?.Value).toBe(size + 10_000);
  });

  it('lists all file systems one page at a time with the SDK paginator', async () => {
    const pages = [];
    for await (const page of paginateDescribeFileSystems({ client: efs }, {})) pages.push(page);
    expect(pages).toHaveLength(2);
    expect(pages.flatMap((p) => p.FileSystems ?? []).map((f) => f.FileSystemId)).toEqual([DB_FS, DUMP_FS]);
    expect(pages[0]?.NextMarker).toBeTruthy();
    expect(pages[1]?.Marker).toBe(pages[0]?.NextMarker);
  });

  it('answers FileSystemNotFound (404) for an unknown id and BadRequest for a bad marker', async () => {
    await expect(
      efs.send(new DescribeFileSystemsCommand({ FileSystemId: 'fs-0123456789' })),
    ).rejects.toMatchObject({
      name: 'FileSystemNotFound',
      message: "File system 'fs-0123456789' does not exist.",
      $metadata: { httpStatusCode: 404 },
    });
    await expect(efs.send(new DescribeFileSystemsCommand({ Marker: 'garbage' }))).rejects.toMatchObject({
      name: 'BadRequest',
    });
  });
});
