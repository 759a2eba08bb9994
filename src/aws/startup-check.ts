// Before the bot says `ready`: can the SDK's default chain resolve a region and credentials? A
// bot without either would start, log `ready`, and fail on the first `list` with a wrong hint.
// This resolves them as every client will (AWS_REGION, the profile, the task role), without
// calling any AWS API.

import { EFSClient } from '@aws-sdk/client-efs';

/** One line saying what is missing, or undefined when region and credentials resolve. */
export async function awsSetupProblem(): Promise<string | undefined> {
  const client = new EFSClient({});
  try {
    try {
      const region = await client.config.region();
      if (typeof region !== 'string' || region === '') throw new Error('empty region');
    } catch {
      return 'No AWS region is configured: set AWS_REGION (ECS sets it in a task), or a region in the AWS profile.';
    }
    try {
      await client.config.credentials();
    } catch (error) {
      const why = error instanceof Error ? error.message.split('\n')[0] : String(error);
      return `AWS credentials could not be resolved (${why}): give the task a role, or set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY.`;
    }
    return undefined;
  } finally {
    client.destroy();
  }
}
