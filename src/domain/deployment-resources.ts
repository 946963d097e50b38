/**
 * The cloud resources a deployment makes, and the names and tags it gives them: provisioning
 * creates them under these names (workflows/provision.ts) and compensation and decommission find
 * them again by id and by name or tag, even when a retried create made a second one.
 */

/** A resource this deployment made (or may have made), and how to find it again. */
export type CreatedResource =
  | { kind: 'vpc'; name: string; id?: string }
  | { kind: 'subnet'; name: string; vpcId: string; id?: string }
  | { kind: 'securityGroup'; name: string; id?: string }
  | { kind: 'rules'; securityGroupId: string; description: string }
  | { kind: 'server'; tag: { key: string; value: string }; id?: string }
  | { kind: 'publicIp'; alias: string; id?: string };

/** Tag every server of a deployment carries; compensation finds a half-created server by it. */
export const DEPLOYMENT_TAG = 'oneclick:deployment';
export const ORDER_TAG = 'oneclick:order';

function slug(deploymentId: string): string {
  return deploymentId.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 48);
}

/** The names of a deployment's resources. */
export function resourceNames(deploymentId: string) {
  const base = `oc-${slug(deploymentId)}`;
  return {
    vpc: base,
    subnet: `${base}-subnet`,
    securityGroup: `${base}-sg`,
    /** A server's default name. */
    server: base,
    /** The alias of its EIP (EIP v1 aliases hold 64 characters; this is at most 51). */
    publicIp: `${base}-eip`,
    /** The description of the rules it adds (the only way to tell them in a buyer's group). */
    ruleDescription: `oneclick ${deploymentId}`.slice(0, 255),
    serverTag: { key: DEPLOYMENT_TAG, value: deploymentId },
  };
}

/**
 * What a delivered deployment created, in creation order (compensation undoes newest first), from
 * what it recorded: the ids its steps named, and which resources were the buyer's own.
 */
export function createdResourcesOf(d: {
  deploymentId: string;
  buyerOwned: { vpc: boolean; subnet: boolean; securityGroup: boolean; server: boolean };
  ids: { vpcId?: string; subnetId?: string; securityGroupId?: string; serverId?: string };
  /** The deployment asked for an EIP (found again by its alias). */
  publicIp?: boolean;
}): CreatedResource[] {
  const names = resourceNames(d.deploymentId);
  const out: CreatedResource[] = [];
  if (!d.buyerOwned.vpc) out.push({ kind: 'vpc', name: names.vpc, id: d.ids.vpcId });
  if (!d.buyerOwned.subnet && d.ids.vpcId) {
    out.push({ kind: 'subnet', name: names.subnet, vpcId: d.ids.vpcId, id: d.ids.subnetId });
  }
  // In the buyer's own group the rules stay: another deployment into the same group may rely on
  // them (provisioning skips a rule whose port is already open, whoever opened it).
  if (!d.buyerOwned.securityGroup) {
    out.push({ kind: 'securityGroup', name: names.securityGroup, id: d.ids.securityGroupId });
  }
  if (!d.buyerOwned.server) out.push({ kind: 'server', tag: names.serverTag, id: d.ids.serverId });
  // After the server: undone newest first, the EIP goes before the server it is bound to.
  if (d.publicIp && !d.buyerOwned.server) out.push({ kind: 'publicIp', alias: names.publicIp });
  return out;
}
