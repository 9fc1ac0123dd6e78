/**
 * One user-assigned managed identity per handler class and one for BI, with
 * Storage Blob Data role assignments on the layer containers derived from
 * pipelines/access.ts: least privilege is decided there, rendered here.
 *
 * How a grant becomes an assignment (one per identity and layer it touches):
 * - the scope is the layer's container, never the account, so a new container
 *   is not covered by accident;
 * - writes or deletes on the layer -> Storage Blob Data Contributor (which
 *   reads too), reads only -> Storage Blob Data Reader; never both;
 * - where access.ts narrows an action to prefixes (or grants none of it on a
 *   layer the role covers), an ABAC condition (version 2.0) restricts that
 *   action's data actions on the blob path, in the form of Microsoft's storage
 *   examples (https://learn.microsoft.com/azure/storage/blobs/storage-auth-abac-examples):
 *   `((!(ActionMatches{<action>} ...)) OR (@Resource[...blobs:path] StringStartsWith '<prefix>'))`,
 *   one such clause per action kind, joined with AND. A kind the role carries
 *   but access.ts does not grant on the layer (e.g. ingest reading dataquality)
 *   gets a clause that can never hold: the container name differs from its own
 *   name, which inside a container-scoped assignment is always false.
 *
 * Listing is left unconditioned: List Blobs (read + Blob.List) has no blob-path
 * attribute, only the request's prefix, and the ADLS/Spark clients list a
 * directory by its name without the trailing slash or from the container root,
 * so a prefix condition would break them. A conditioned identity can see the
 * names in its container, not read, write or delete the blobs.
 *
 * Neither role carries `runAsSuperUser/action` (Storage Blob Data Owner does),
 * so the HNS clause Microsoft adds for that role is not needed.
 */
import { Construct } from 'constructs';
import { RoleAssignment } from '@cdktf/provider-azurerm/lib/role-assignment/index.js';
import { UserAssignedIdentity } from '@cdktf/provider-azurerm/lib/user-assigned-identity/index.js';
import { HANDLER_CLASSES, LAYERS, type Environment, type HandlerClass, type Layer } from '../../config/schema.ts';
import { HANDLER_ACCESS, type HandlerAccess, type LayerGrant } from '../../pipelines/access.ts';
import { resourceName } from '../shared/naming.ts';

export interface HandlerIdentitiesProps {
  /** The environment, parsed and with every default applied (names the identities). */
  readonly environment: Environment;
  /** Resource group the identities live in. */
  readonly resourceGroupName: string;
  /** Azure region of the identities. */
  readonly location: string;
  /** Tags on every identity. */
  readonly tags: Record<string, string>;
  /** The layer containers (their resource ids scope the role assignments). */
  readonly containers: Record<Layer, { readonly id: string }>;
  /**
   * What each identity may touch.
   * @default IDENTITY_ACCESS - HANDLER_ACCESS per handler class, and BI reading refined only
   */
  readonly access?: Record<IdentityOwner, HandlerAccess>;
}

/** Who gets an identity: every handler class, and BI. */
export type IdentityOwner = HandlerClass | 'bi';
export const IDENTITY_OWNERS: readonly IdentityOwner[] = [...HANDLER_CLASSES, 'bi'];

/** BI reads refined only, through the BI SQL warehouse (as the AWS BI role does). */
export const BI_ACCESS: HandlerAccess = {
  description: 'Analysts and dashboards read the refined layer only.',
  reads: [{ layer: 'refined' }],
  writes: [],
  deletes: [],
  queries: true,
};

export const IDENTITY_ACCESS: Record<IdentityOwner, HandlerAccess> = { ...HANDLER_ACCESS, bi: BI_ACCESS };

/** Built-in data roles, by name (stable across tenants). */
export const BLOB_ROLES = {
  reader: 'Storage Blob Data Reader',
  contributor: 'Storage Blob Data Contributor',
} as const;
export type BlobRole = (typeof BLOB_ROLES)[keyof typeof BLOB_ROLES];

const BLOBS = 'Microsoft.Storage/storageAccounts/blobServices/containers/blobs';
const BLOB_PATH = `@Resource[${BLOBS}:path]`;
const CONTAINER_NAME = '@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name]';

/** The action kinds of access.ts and the ABAC action matches that make them up. */
export const ACTION_MATCHES = {
  // Read a blob: the read data action except its List Blobs suboperation (see the file comment).
  read: [`ActionMatches{'${BLOBS}/read'} AND NOT SubOperationMatches{'Blob.List'}`],
  // Write to a blob; create a blob or append; rename a file or directory (HNS).
  write: [`ActionMatches{'${BLOBS}/write'}`, `ActionMatches{'${BLOBS}/add/action'}`, `ActionMatches{'${BLOBS}/move/action'}`],
  delete: [`ActionMatches{'${BLOBS}/delete'}`],
} as const;
export type ActionKind = keyof typeof ACTION_MATCHES;
const ROLE_KINDS: Record<BlobRole, readonly ActionKind[]> = {
  [BLOB_ROLES.reader]: ['read'],
  [BLOB_ROLES.contributor]: ['read', 'write', 'delete'],
};

/** Where an action kind is allowed on one layer: all of it, only under these prefixes, or nowhere (`[]`). */
export type AllowedPaths = 'all' | readonly string[];

/** One role assignment, before it is a resource: what the specification tests read. */
export interface LayerRoleAssignment {
  readonly owner: IdentityOwner;
  readonly layer: Layer;
  readonly role: BlobRole;
  readonly allowed: Record<ActionKind, AllowedPaths>;
  /** ABAC condition (version 2.0); undefined when the role applies to the whole container. */
  readonly condition?: string;
  readonly description: string;
}

/** The role assignments an identity with `access` gets: one per layer it touches, in layer order. */
export function layerRoleAssignments(owner: IdentityOwner, access: HandlerAccess): LayerRoleAssignment[] {
  const assignments: LayerRoleAssignment[] = [];
  for (const layer of LAYERS) {
    const allowed: Record<ActionKind, AllowedPaths> = {
      read: allowedPaths(access.reads, layer),
      write: allowedPaths(access.writes, layer),
      delete: allowedPaths(access.deletes, layer),
    };
    if (Object.values(allowed).every((paths) => paths !== 'all' && paths.length === 0)) continue;
    const role = isGranted(allowed.write) || isGranted(allowed.delete) ? BLOB_ROLES.contributor : BLOB_ROLES.reader;
    const clauses = ROLE_KINDS[role].flatMap((kind) => {
      const paths = allowed[kind];
      return paths === 'all' ? [] : [conditionClause(kind, paths, layer)];
    });
    assignments.push({
      owner,
      layer,
      role,
      allowed,
      ...(clauses.length > 0 ? { condition: clauses.join(' AND ') } : {}),
      description: describe(owner, layer, role, allowed),
    });
  }
  return assignments;
}

/**
 * One clause of a storage ABAC condition: the kind's actions are allowed only
 * on blob paths under `paths` (`[]`: never).
 */
export function conditionClause(kind: ActionKind, paths: readonly string[], layer: Layer): string {
  const notTheseActions = ACTION_MATCHES[kind].map((match) => `!(${match})`).join(' AND ');
  const expression =
    paths.length === 0
      ? // Always false inside an assignment scoped to this very container: the kind is refused.
        `${CONTAINER_NAME} StringNotEquals '${layer}'`
      : paths.map((prefix) => `${BLOB_PATH} StringStartsWith '${conditionString(prefix)}'`).join(' OR ');
  return `((${notTheseActions}) OR (${expression}))`;
}

function allowedPaths(grants: readonly LayerGrant[], layer: Layer): AllowedPaths {
  const onLayer = grants.filter((grant) => grant.layer === layer);
  if (onLayer.some((grant) => grant.prefix === undefined || grant.prefix === '')) return 'all';
  return [...new Set(onLayer.map((grant) => grant.prefix as string))].sort();
}

const isGranted = (paths: AllowedPaths): boolean => paths === 'all' || paths.length > 0;

/** Prefixes come from access.ts; a quote would end the condition's string literal. */
function conditionString(value: string): string {
  if (/['\\]/.test(value)) throw new Error(`handler-identities: prefix "${value}" cannot be used in an ABAC condition`);
  return value;
}

function describe(owner: IdentityOwner, layer: Layer, role: BlobRole, allowed: Record<ActionKind, AllowedPaths>): string {
  const what = (kind: ActionKind): string => {
    const paths = allowed[kind];
    if (paths === 'all') return `${kind}s all of ${layer}`;
    return paths.length === 0 ? `never ${kind}s` : `${kind}s ${paths.join(', ')} only`;
  };
  const kinds = ROLE_KINDS[role].map(what).join('; ');
  // Only what the grant is, never access.ts's prose: a role assignment cannot be updated in place,
  // so rewording that prose would replace (briefly revoke) every assignment.
  return `${owner} on the ${layer} container: ${kinds} (as pipelines/access.ts grants).`;
}

export class HandlerIdentities extends Construct {
  readonly identities: Record<IdentityOwner, UserAssignedIdentity>;
  readonly assignments: Record<IdentityOwner, LayerRoleAssignment[]>;

  constructor(scope: Construct, id: string, props: HandlerIdentitiesProps) {
    super(scope, id);
    const access = props.access ?? IDENTITY_ACCESS;
    this.identities = {} as Record<IdentityOwner, UserAssignedIdentity>;
    this.assignments = {} as Record<IdentityOwner, LayerRoleAssignment[]>;
    for (const owner of IDENTITY_OWNERS) {
      const identity = new UserAssignedIdentity(this, `identity_${owner}`, {
        name: resourceName(props.environment, owner, 'id'),
        resourceGroupName: props.resourceGroupName,
        location: props.location,
        tags: props.tags,
      });
      // Stable, readable names in the plan and the state, whatever construct holds them.
      identity.overrideLogicalId(`identity_${owner}`);
      this.identities[owner] = identity;

      this.assignments[owner] = layerRoleAssignments(owner, access[owner]);
      for (const assignment of this.assignments[owner]) {
        const logicalId = `${owner}_${assignment.layer}_${assignment.role === BLOB_ROLES.contributor ? 'contributor' : 'reader'}`;
        const resource = new RoleAssignment(this, logicalId, {
          scope: props.containers[assignment.layer].id,
          roleDefinitionName: assignment.role,
          principalId: identity.principalId,
          // Managed identities are service principals; saying so skips the directory lookup that races a new identity.
          principalType: 'ServicePrincipal',
          description: assignment.description,
          ...(assignment.condition ? { condition: assignment.condition, conditionVersion: '2.0' } : {}),
        });
        resource.overrideLogicalId(logicalId);
      }
    }
  }
}
