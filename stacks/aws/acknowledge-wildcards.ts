import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
// The function cdk-nag itself uses to name IAM5 findings (the package has no
// export map and is pinned exactly), so acknowledgements cannot drift from findings.
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';

export interface WildcardResource {
  /** The resource ARN as given to the policy statement (tokens allowed). */
  readonly resource: string;
  /** Why this wildcard is the narrowest grant that works. */
  readonly reason: string;
}

/**
 * Acknowledges AwsSolutions-IAM5 for exactly these wildcard resources on the
 * policy that grants them, each with its own reason. Any other wildcard the
 * policy holds stays a finding and fails synth.
 */
export function acknowledgeWildcardResources(policy: IConstruct, wildcards: readonly WildcardResource[]): void {
  const stack = Stack.of(policy);
  for (const { resource, reason } of wildcards) {
    const finding = flattenCfnReference(stack.resolve(resource)) as string;
    Validations.of(policy).acknowledge({ id: `AwsSolutions-IAM5[Resource::${finding}]`, reason });
  }
}
