/**
 * Terraform state for the Azure stacks: where each stack keeps it, and how the
 * workspace stack reads the platform stack's outputs.
 *
 * Every path here is relative, so two synths on two machines write the same
 * bytes. Terraform runs each stack in its own directory
 * (`<outdir>/stacks/<stack>`), which is what relative local paths resolve against.
 */
import { AzurermBackend, DataTerraformRemoteStateAzurerm, DataTerraformRemoteStateLocal, LocalBackend, type TerraformRemoteState, type TerraformStack } from 'cdktf';
import type { Environment } from '../../config/schema.ts';

/** Stack names; they are the folder names under `<outdir>/stacks/` and part of the state key. */
export const STACK_NAMES = { platform: 'platform', workspace: 'workspace', pipelines: 'pipelines' } as const;
export type StackName = (typeof STACK_NAMES)[keyof typeof STACK_NAMES];

/** The local state file of a stack, relative to that stack's working directory. */
export function localStatePath(stackName: string): string {
  return `terraform.${stackName}.tfstate`;
}

/** The blob that holds a stack's state in the azurerm backend. */
export function azurermStateKey(environment: Environment, stackName: string): string {
  return `strata/${environment.name}/${stackName}.tfstate`;
}

/** Declares the stack's backend from `environment.azure.backend`. */
export function configureBackend(stack: TerraformStack, environment: Environment, stackName: StackName): void {
  const backend = environment.azure.backend;
  if (backend.type === 'local') {
    // An explicit relative path: cdktf's default is `<cwd>/terraform.<stack>.tfstate`, an absolute path.
    new LocalBackend(stack, { path: localStatePath(stackName) });
    return;
  }
  new AzurermBackend(stack, {
    resourceGroupName: backend.resourceGroupName,
    storageAccountName: backend.storageAccountName,
    containerName: backend.containerName,
    key: azurermStateKey(environment, stackName),
    // Entra ID, not storage account keys: the state account can keep shared keys off too.
    useAzureadAuth: true,
  });
}

/**
 * A `terraform_remote_state` data source reading another stack's outputs from
 * the same backend. Written out explicitly rather than through a cdktf
 * cross-stack reference, whose local variant points at the producer's path as
 * seen from the consumer's directory (wrong) or at `<cwd>/...` (absolute).
 */
export function remoteStackState(scope: TerraformStack, id: string, environment: Environment, fromStack: StackName): TerraformRemoteState {
  const backend = environment.azure.backend;
  if (backend.type === 'local') {
    // Sibling stack directory: <outdir>/stacks/<fromStack>/terraform.<fromStack>.tfstate.
    return new DataTerraformRemoteStateLocal(scope, id, { path: `../${fromStack}/${localStatePath(fromStack)}` });
  }
  return new DataTerraformRemoteStateAzurerm(scope, id, {
    resourceGroupName: backend.resourceGroupName,
    storageAccountName: backend.storageAccountName,
    containerName: backend.containerName,
    key: azurermStateKey(environment, fromStack),
    useAzureadAuth: true,
  });
}
