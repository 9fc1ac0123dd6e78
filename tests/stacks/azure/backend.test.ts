import { beforeAll, describe, expect, it } from 'vitest';
import { synthStacks, type SynthesizedAzure } from './synth-helpers.ts';
import { environmentNamed } from '../../support/environments.ts';

describe('Terraform state of the Azure stacks', () => {
  let local: SynthesizedAzure; // dev: backend type local
  let azurerm: SynthesizedAzure; // prod: backend type azurerm
  beforeAll(() => {
    local = synthStacks(environmentNamed('dev'));
    azurerm = synthStacks(environmentNamed('prod'));
  });

  describe('with a local backend', () => {
    it('keeps each stack state in a relative file beside the stack', () => {
      expect(local.platform.terraform.backend).toEqual({ local: { path: 'terraform.platform.tfstate' } });
      expect(local.workspace.terraform.backend).toEqual({ local: { path: 'terraform.workspace.tfstate' } });
    });

    it('reads the platform outputs from the sibling stack directory, by a relative path', () => {
      expect(local.workspace.data.terraform_remote_state.platform).toEqual({
        backend: 'local',
        config: { path: '../platform/terraform.platform.tfstate' },
      });
    });
  });

  describe('with an azurerm backend', () => {
    it('keeps each stack state under strata/<env>/<stack>.tfstate in the configured container, with Entra ID auth', () => {
      for (const [name, stack] of Object.entries(azurerm)) {
        expect(stack.terraform.backend).toEqual({
          azurerm: {
            resource_group_name: 'rg-strata-tfstate',
            storage_account_name: 'stratatfstate',
            container_name: 'tfstate',
            key: `strata/prod/${name}.tfstate`,
            use_azuread_auth: true,
          },
        });
      }
    });

    it('reads the platform outputs from the platform state blob', () => {
      expect(azurerm.workspace.data.terraform_remote_state.platform).toEqual({
        backend: 'azurerm',
        config: {
          resource_group_name: 'rg-strata-tfstate',
          storage_account_name: 'stratatfstate',
          container_name: 'tfstate',
          key: 'strata/prod/platform.tfstate',
          use_azuread_auth: true,
        },
      });
    });
  });
});
