import { beforeAll, describe, expect, it } from 'vitest';
import { HANDLER_CLASSES, LAYERS, type Layer } from '../../../config/schema.ts';
import { HANDLER_ACCESS, type HandlerAccess } from '../../../pipelines/access.ts';
import { conditionClause, IDENTITY_OWNERS, layerRoleAssignments, type IdentityOwner } from '../../../stacks/azure/handler-identities.ts';
import { identityOutputs } from '../../../stacks/azure/platform-stack.ts';
import { TAG_KEYS } from '../../../stacks/shared/naming.ts';
import { resourcesOf, synthStacks, TEST_VERSION, type TfJson } from './synth-helpers.ts';
import { environmentNamed } from '../../support/environments.ts';

const READER = 'Storage Blob Data Reader';
const CONTRIBUTOR = 'Storage Blob Data Contributor';
const BLOBS = 'Microsoft.Storage/storageAccounts/blobServices/containers/blobs';
const containerId = (layer: Layer) => `\${azurerm_storage_container.container_${layer}.id}`;
const principalOf = (owner: IdentityOwner) => `\${azurerm_user_assigned_identity.identity_${owner}.principal_id}`;

let platform: TfJson;
let identities: Record<string, TfJson>;
let assignments: TfJson[];
beforeAll(() => {
  platform = synthStacks(environmentNamed('prod')).platform;
  identities = resourcesOf(platform, 'azurerm_user_assigned_identity');
  assignments = Object.values(resourcesOf(platform, 'azurerm_role_assignment'));
});

/** The data-role assignments of one identity, by layer. */
function assignmentsOf(owner: IdentityOwner): Partial<Record<Layer, TfJson>> {
  const mine = assignments.filter((assignment) => assignment.principal_id === principalOf(owner));
  const byLayer: Partial<Record<Layer, TfJson>> = {};
  for (const assignment of mine) {
    const layer = LAYERS.find((candidate) => assignment.scope === containerId(candidate));
    expect(layer, `${owner} assignment scoped to ${assignment.scope}`).toBeDefined();
    expect(byLayer[layer!], `${owner} has one assignment on ${layer}`).toBeUndefined();
    byLayer[layer!] = assignment;
  }
  return byLayer;
}

/** The ABAC clause Microsoft documents for "allowed only under these paths", for one action kind. */
const allowedUnder = (actions: string, ...prefixes: string[]) =>
  `((${actions}) OR (${prefixes.map((prefix) => `@Resource[${BLOBS}:path] StringStartsWith '${prefix}'`).join(' OR ')}))`;
const READ = `!(ActionMatches{'${BLOBS}/read'} AND NOT SubOperationMatches{'Blob.List'})`;
const WRITE = `!(ActionMatches{'${BLOBS}/write'}) AND !(ActionMatches{'${BLOBS}/add/action'}) AND !(ActionMatches{'${BLOBS}/move/action'})`;
const DELETE = `!(ActionMatches{'${BLOBS}/delete'})`;
const never = (actions: string, layer: Layer) =>
  `((${actions}) OR (@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringNotEquals '${layer}'))`;

describe('handler and BI identities (platform stack, prod)', () => {
  it('are one user-assigned identity per handler class plus one for BI, named and tagged for the environment', () => {
    expect(Object.keys(identities).sort()).toEqual([...HANDLER_CLASSES, 'bi'].map((owner) => `identity_${owner}`).sort());
    for (const owner of IDENTITY_OWNERS) {
      expect(identities[`identity_${owner}`]).toMatchObject({
        name: `strata-prod-${owner}-id`,
        resource_group_name: '${azurerm_resource_group.platform.name}',
        location: 'westeurope',
        tags: { [TAG_KEYS.version]: TEST_VERSION, [TAG_KEYS.environment]: 'prod' },
      });
    }
  });

  it('scopes every data-role assignment to one layer container, never the account', () => {
    const dataRoles = assignments.filter((assignment) => [READER, CONTRIBUTOR].includes(assignment.role_definition_name));
    expect(dataRoles.length).toBeGreaterThan(LAYERS.length);
    for (const assignment of dataRoles) {
      expect(LAYERS.map(containerId)).toContain(assignment.scope);
      expect(assignment.scope).not.toContain('azurerm_storage_account');
    }
  });

  it('says why on every assignment, and marks the identities as service principals', () => {
    for (const assignment of assignments) {
      expect((assignment.description as string | undefined)?.length ?? 0, JSON.stringify(assignment)).toBeGreaterThan(20);
    }
    for (const owner of IDENTITY_OWNERS) {
      for (const assignment of Object.values(assignmentsOf(owner))) {
        expect(assignment!.principal_type).toBe('ServicePrincipal');
        expect(assignment!.description).toContain(owner);
      }
    }
  });

  describe('ingest', () => {
    it('writes raw (contributor), reads only its landing area and its receipts, staged and rejects files, deletes only its landing area', () => {
      const raw = assignmentsOf('ingest').raw!;
      expect(raw.role_definition_name).toBe(CONTRIBUTOR);
      // Writes are not narrowed; reads and deletes are (raw is never deleted from but for landing/).
      expect(raw.condition).toBe(`${allowedUnder(READ, 'landing/', 'received/', 'rejects/', 'staged/')} AND ${allowedUnder(DELETE, 'landing/')}`);
      expect(raw.condition_version).toBe('2.0');
    });

    it('writes only dataquality/rejected/ there, and neither reads nor deletes', () => {
      const dataquality = assignmentsOf('ingest').dataquality!;
      expect(dataquality.role_definition_name).toBe(CONTRIBUTOR);
      expect(dataquality.condition).toBe(
        `${never(READ, 'dataquality')} AND ${allowedUnder(WRITE, 'rejected/')} AND ${never(DELETE, 'dataquality')}`,
      );
      expect(dataquality.condition_version).toBe('2.0');
    });

    it('has nothing on trusted or refined', () => {
      expect(Object.keys(assignmentsOf('ingest')).sort()).toEqual(['dataquality', 'raw']);
    });
  });

  it('BI reads refined only, the whole container, unconditioned', () => {
    const bi = assignmentsOf('bi');
    expect(Object.keys(bi)).toEqual(['refined']);
    expect(bi.refined).toMatchObject({ role_definition_name: READER });
    expect(bi.refined).not.toHaveProperty('condition');
  });

  describe.each(HANDLER_CLASSES)('%s', (handlerClass) => {
    const access: HandlerAccess = HANDLER_ACCESS[handlerClass];
    const onLayer = (grants: HandlerAccess['reads'], layer: Layer) => grants.filter((grant) => grant.layer === layer);

    it('has an assignment on exactly the layers access.ts lets it touch: contributor where it writes or deletes, else reader', () => {
      const mine = assignmentsOf(handlerClass);
      for (const layer of LAYERS) {
        const changes = onLayer(access.writes, layer).length + onLayer(access.deletes, layer).length > 0;
        const reads = onLayer(access.reads, layer).length > 0;
        const expected = changes ? CONTRIBUTOR : reads ? READER : undefined;
        expect(mine[layer]?.role_definition_name, `${handlerClass} on ${layer}`).toBe(expected);
      }
    });

    it('narrows each prefixed grant to its prefix with a blob-path condition, and leaves whole-layer grants unconditioned', () => {
      const mine = assignmentsOf(handlerClass);
      for (const layer of LAYERS) {
        const assignment = mine[layer];
        if (!assignment) continue;
        const kinds = assignment.role_definition_name === CONTRIBUTOR ? (['reads', 'writes', 'deletes'] as const) : (['reads'] as const);
        const narrowed = kinds.filter((kind) => !onLayer(access[kind], layer).some((grant) => grant.prefix === undefined));
        if (narrowed.length === 0) {
          expect(assignment, `${handlerClass} on ${layer}`).not.toHaveProperty('condition');
          continue;
        }
        expect(assignment.condition_version).toBe('2.0');
        for (const kind of narrowed) {
          for (const grant of onLayer(access[kind], layer)) {
            expect(assignment.condition, `${handlerClass} ${kind} ${layer}/${grant.prefix}`).toContain(`StringStartsWith '${grant.prefix}'`);
          }
        }
      }
    });
  });

  it('outputs each identity\'s resource id, client id and principal id under identityOutputs(owner)', () => {
    for (const owner of IDENTITY_OWNERS) {
      const names = identityOutputs(owner);
      expect(platform.output[names.id].value).toBe(`\${azurerm_user_assigned_identity.identity_${owner}.id}`);
      expect(platform.output[names.clientId].value).toBe(`\${azurerm_user_assigned_identity.identity_${owner}.client_id}`);
      expect(platform.output[names.principalId].value).toBe(principalOf(owner));
    }
  });
});

describe('layerRoleAssignments', () => {
  it('gives a reader-only identity with a prefix a read clause only', () => {
    const [assignment] = layerRoleAssignments('quality', { description: 'x', reads: [{ layer: 'trusted', prefix: 'a/' }], writes: [], deletes: [], queries: false });
    expect(assignment).toMatchObject({ layer: 'trusted', role: READER, condition: allowedUnder(READ, 'a/') });
  });

  it('lets one whole-layer grant of a kind win over prefixed grants of the same kind', () => {
    const [assignment] = layerRoleAssignments('ml', {
      description: 'x',
      reads: [{ layer: 'refined', prefix: 'a/' }, { layer: 'refined' }],
      writes: [{ layer: 'refined' }],
      deletes: [{ layer: 'refined' }],
      queries: false,
    });
    expect(assignment?.role).toBe(CONTRIBUTOR);
    expect(assignment?.condition).toBeUndefined();
  });

  it('refuses a prefix that would break out of the condition\'s string literal', () => {
    expect(() => conditionClause('read', ["x' OR 'y"], 'raw')).toThrow(/cannot be used in an ABAC condition/);
  });
});
