/**
 * The synthesized resources as one flat list per cloud, the view the estimate
 * prices: a component is found by resource type, never by today's resource
 * names, so a stack that gains a state machine or an alarm is priced as is.
 */
import type { CfnResource, SynthOutput, TfResource } from './synth-output.ts';

export interface AwsResource {
  readonly stack: string;
  /** The logical id. */
  readonly id: string;
  /** The construct path inside the stack, or the logical id when the metadata has none. */
  readonly path: string;
  readonly resource: CfnResource;
}

export interface SynthesizedResources {
  /** Every CloudFormation resource, stack by stack, each stack's sorted by logical id. */
  readonly aws: readonly AwsResource[];
  /** Every Terraform resource, stack by stack, in the order the JSON declares them. */
  readonly azure: readonly TfResource[];
  /** Whether the output holds the AWS platform at all (a folder may hold one cloud only). */
  readonly hasAws: boolean;
}

export function synthesizedResources(synth: SynthOutput): SynthesizedResources {
  return {
    aws: synth.aws.flatMap((stack) =>
      Object.entries(stack.template.Resources ?? {})
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([id, resource]) => ({ stack: stack.name, id, path: stack.paths.get(id) ?? id, resource })),
    ),
    azure: synth.azure.flatMap((stack) => [...stack.resources.values()]),
    hasAws: synth.aws.length > 0,
  };
}

/** The CloudFormation resources of one type (`AWS::Lambda::Function`). */
export function awsOfType(resources: SynthesizedResources, type: string): AwsResource[] {
  return resources.aws.filter((r) => r.resource.Type === type);
}

/** The Terraform resources of one type (`azurerm_storage_account`). */
export function azureOfType(resources: SynthesizedResources, type: string): TfResource[] {
  return resources.azure.filter((r) => r.type === type);
}
