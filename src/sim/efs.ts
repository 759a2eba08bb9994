import { treeSize } from './fs-tree.js';
import type { OpInput, ServiceModule } from './kernel.js';
import { SimError } from './kernel.js';
import { paginate } from './pagination.js';
import type { SimAccount, SimFileSystem } from './world-types.js';

export interface EfsOptions extends SimAccount {
  stackName: string;
  fileSystems: SimFileSystem[];
  pageSize: number;
}

export function createEfs(opts: EfsOptions): ServiceModule {
  const describe = (fs: SimFileSystem) => {
    // Metered size follows the real directory, so restores and cleanups show up in it.
    const size = treeSize(fs.rootDir);
    return {
      OwnerId: opts.accountId,
      CreationToken: `${fs.name}-${fs.id.slice(3)}`,
      FileSystemId: fs.id,
      FileSystemArn: fs.arn,
      CreationTime: new Date(fs.createdAt),
      LifeCycleState: 'available',
      Name: fs.name,
      NumberOfMountTargets: 2,
      SizeInBytes: {
        Value: size,
        Timestamp: new Date(),
        ValueInIA: 0,
        ValueInStandard: size,
        ValueInArchive: 0,
      },
      PerformanceMode: 'generalPurpose',
      Encrypted: true,
      KmsKeyId: `arn:aws:kms:${opts.region}:${opts.accountId}:key/5f2b8c1e-3a4d-4e6f-8b9c-0d1e2f3a4b5c`,
      ThroughputMode: 'elastic',
      Tags: [
        { Key: 'Name', Value: fs.name },
        { Key: 'aws:cloudformation:stack-name', Value: opts.stackName },
        { Key: 'aws:cloudformation:logical-id', Value: fs.logicalId },
      ],
      FileSystemProtection: { ReplicationOverwriteProtection: 'ENABLED' },
    };
  };

  return {
    name: 'efs',
    ops: {
      DescribeFileSystems(input: OpInput) {
        if (input.FileSystemId !== undefined && input.CreationToken !== undefined) {
          throw new SimError('BadRequest', 'Specify either FileSystemId or CreationToken, not both.');
        }
        let matching = opts.fileSystems;
        if (input.FileSystemId !== undefined) {
          matching = matching.filter((fs) => fs.id === input.FileSystemId || fs.arn === input.FileSystemId);
          if (matching.length === 0) {
            throw new SimError(
              'FileSystemNotFound',
              `File system '${String(input.FileSystemId)}' does not exist.`,
              404,
            );
          }
        }
        if (input.CreationToken !== undefined) {
          matching = matching.filter((fs) => `${fs.name}-${fs.id.slice(3)}` === input.CreationToken);
        }
        const page = paginate(matching, {
          token: input.Marker,
          max: input.MaxItems,
          pageSize: opts.pageSize,
          scope: `fs:${String(input.FileSystemId ?? '')}:${String(input.CreationToken ?? '')}`,
          invalidToken: 'BadRequest',
        });
        return {
          ...(input.Marker !== undefined ? { Marker: input.Marker } : {}),
          FileSystems: page.items.map(describe),
          NextMarker: page.next,
        };
      },
    },
  };
}
