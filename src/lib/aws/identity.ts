import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';

import { callAws } from './call.js';
import type { AwsContext } from './clients.js';

/** Who and where the caller is: what every command says before it changes anything. */
export interface CallerIdentity {
  /** The 12-digit account ID. */
  account: string;
  /** The caller's ARN (an assumed-role session ARN for SSO and roles). */
  arn: string;
  /** The ARN partition: `aws`, `aws-cn` or `aws-us-gov`. */
  partition: string;
  /** The region the clients use. */
  region: string;
}

/**
 * Calls `sts:GetCallerIdentity`, which needs no permission, so it fails only on missing or
 * expired credentials, a missing region or an unreachable endpoint: the first call of every
 * command, turning those into one clear error before any real work.
 * https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html
 */
export async function callerIdentity(ctx: AwsContext): Promise<CallerIdentity> {
  const region = await ctx.resolveRegion();
  const output = await callAws(
    {
      service: 'sts',
      operation: 'GetCallerIdentity',
      ...(ctx.profile === undefined ? {} : { profile: ctx.profile }),
    },
    () => ctx.sts.send(new GetCallerIdentityCommand({})),
  );
  const arn = output.Arn ?? '';
  return {
    account: output.Account ?? '',
    arn,
    partition: arn.split(':')[1] ?? 'aws',
    region,
  };
}
