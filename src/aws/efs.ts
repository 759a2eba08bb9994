import { DescribeFileSystemsCommand, type EFSClient } from '@aws-sdk/client-efs';
import { AwsCallError, call } from './errors.js';
import type { EfsPort } from './ports.js';

export function createEfsPort(client: EFSClient): EfsPort {
  return {
    async describeFileSystem(id) {
      const r = await call('DescribeFileSystems', () =>
        client.send(new DescribeFileSystemsCommand({ FileSystemId: id })),
      );
      const fs = r.FileSystems?.[0];
      if (!fs?.FileSystemId || !fs.FileSystemArn) {
        throw new AwsCallError(
          'DescribeFileSystems',
          'FileSystemNotFound',
          `File system '${id}' does not exist.`,
        );
      }
      return {
        id: fs.FileSystemId,
        arn: fs.FileSystemArn,
        name: fs.Name,
        sizeBytes: fs.SizeInBytes?.Value,
        lifeCycleState: fs.LifeCycleState ?? 'unknown',
      };
    },
  };
}
