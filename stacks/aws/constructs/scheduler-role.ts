import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface SchedulerRoleProps {
  readonly description: string;
  /** What the schedule's target needs (start an execution, invoke a function). */
  readonly statements: readonly iam.PolicyStatement[];
  /** Where undeliverable starts go. */
  readonly deadLetterQueue: sqs.IQueue;
  /** The dead-letter queue's key. */
  readonly key: kms.IKey;
}

/**
 * The role an EventBridge Scheduler schedule assumes, with exactly the
 * statements given in a managed policy. It is handed to the target without
 * policy updates, so no default inline policy grows beside it.
 */
export class SchedulerRole extends Construct {
  readonly role: iam.IRole;

  constructor(scope: Construct, id: string, props: SchedulerRoleProps) {
    super(scope, id);
    const role = new iam.Role(this, 'Role', {
      // Only schedules of this account may assume it (confused deputy).
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: props.description,
    });
    new iam.ManagedPolicy(this, 'Policy', {
      description: props.description,
      roles: [role],
      statements: [
        ...props.statements,
        new iam.PolicyStatement({ sid: 'DeadLetters', actions: ['sqs:SendMessage'], resources: [props.deadLetterQueue.queueArn] }),
        new iam.PolicyStatement({ sid: 'DeadLetterKey', actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [props.key.keyArn] }),
      ],
    });
    this.role = role.withoutPolicyUpdates();
  }
}
