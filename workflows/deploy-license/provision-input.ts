import type { DeployLicenseInput, DeploymentPlan } from '../../src/domain/deployment.js';
import type { ProvisionInput } from '../provision.js';

/** What provisioning gets from a deployment: the buyer's choices, SSH and the product's ports. */
export function provisionInputFor(
  input: DeployLicenseInput,
  plan: Pick<DeploymentPlan, 'ports'>,
  key: { publicKey: string } | undefined,
): ProvisionInput {
  const { choices } = input;
  const t = input.timeouts ?? {};
  return {
    deploymentId: input.deploymentId,
    orderId: input.orderRef,
    cloud: input.cloud,
    vpc: choices.vpc,
    subnet: choices.subnet,
    securityGroup: choices.securityGroup,
    ports: [22, ...plan.ports].map((p) => ({
      direction: 'ingress' as const,
      protocol: 'tcp' as const,
      ports: String(p),
    })),
    server:
      'existingId' in choices.server
        ? { existingId: choices.server.existingId, host: choices.server.host }
        : {
            imageRef: choices.server.imageRef,
            flavorRef: choices.server.flavorRef,
            availabilityZone: choices.server.availabilityZone,
            sshPublicKey: key?.publicKey,
            adminPassRef: choices.adminPassRef,
          },
    // An EIP only for a server OneClick creates: the buyer's own server keeps its addresses.
    publicIp: 'existingId' in choices.server ? undefined : choices.publicIp,
    timeouts: {
      heartbeatMs: t.heartbeatMs,
      retryInitialMs: t.retryInitialMs,
      retryMaxMs: t.retryMaxMs,
    },
  };
}
