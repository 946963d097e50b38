import { AppError } from '../errors.js';
import type { CloudContext } from './cloud-context.js';
import { list, obj, toPublicIp } from './mapping.js';
import type { CloudPublicIps, CreatePublicIpInput, PublicIp, WaitOptions } from './types.js';

/**
 * Elastic IPs through EIP v1 (eip-client.ts). An EIP is made with a per-deployment alias, so a
 * retried step finds the one it already made; v1 lists have no alias filter, so finding pages
 * through them all.
 */

/** EIP v1 allows up to 2000 a page; a thousand keeps answers small. */
const LIST_PAGE = 1000;
/** Usable: DOWN is allocated and unbound, ACTIVE bound, ELB bound to a load balancer. */
const READY = new Set(['DOWN', 'ACTIVE', 'ELB', 'VPN']);
const BROKEN = new Set(['ERROR', 'BAD']);

export function createPublicIps(ctx: CloudContext): CloudPublicIps {
  const { sdk, call, maybe } = ctx;

  const show = async (id: string): Promise<PublicIp | undefined> => {
    const res = await maybe('ShowPublicip', () => sdk.eip.showPublicip(id));
    return res === undefined ? undefined : toPublicIp(obj(res['publicip']));
  };

  return {
    async createPublicIp(input: CreatePublicIpInput): Promise<PublicIp> {
      const res = await call('CreatePublicip', () =>
        sdk.eip.createPublicip({
          publicip: { type: input.ipType ?? '5_bgp', alias: input.alias },
          bandwidth: {
            // Bandwidth names are 1-64 characters; the alias names it for whoever looks.
            name: input.alias.slice(0, 64),
            size: input.bandwidthSize,
            share_type: 'PER',
            charge_mode: input.chargeMode,
          },
        }),
      );
      const ip = toPublicIp(obj(res['publicip']));
      // The create answer may leave the alias out; it is what finds the EIP again.
      return { ...ip, alias: ip.alias ?? input.alias };
    },

    showPublicIp: show,

    async findPublicIpsByAlias(alias: string): Promise<PublicIp[]> {
      const out: PublicIp[] = [];
      let marker: string | undefined;
      for (;;) {
        const res = await call('ListPublicips', () =>
          sdk.eip.listPublicips({ limit: LIST_PAGE, marker }),
        );
        const page = list(res['publicips']).map(toPublicIp);
        out.push(...page.filter((p) => p.alias === alias));
        const last = page[page.length - 1];
        if (page.length < LIST_PAGE || !last) return out;
        marker = last.id;
      }
    },

    waitPublicIpReady(id: string, opts?: WaitOptions): Promise<PublicIp> {
      return ctx.waitFor<PublicIp>(`EIP ${id}`, opts, async () => {
        const ip = await show(id);
        if (!ip) throw new AppError('CLOUD_NOT_FOUND', `EIP ${id} does not exist`);
        if (READY.has(ip.status)) return { done: ip };
        if (BROKEN.has(ip.status)) {
          throw new AppError('CLOUD_RESOURCE_ERROR', `EIP ${id} is ${ip.status}`);
        }
        return { state: ip.status };
      });
    },

    async bindPublicIp(id: string, portId: string): Promise<PublicIp> {
      // Binding again to the same port is an error to EIP; to a retried step it is success.
      const current = await show(id);
      if (!current) throw new AppError('CLOUD_NOT_FOUND', `EIP ${id} does not exist`);
      if (current.portId === portId) return current;
      const res = await call('UpdatePublicip', () =>
        sdk.eip.updatePublicip(id, { publicip: { port_id: portId } }),
      );
      const ip = toPublicIp(obj(res['publicip']));
      return {
        ...ip,
        address: ip.address || current.address,
        alias: ip.alias ?? current.alias,
        portId: ip.portId ?? portId,
      };
    },

    async deletePublicIp(id: string, opts?: WaitOptions): Promise<void> {
      // EIP refuses to release a bound address (409 VPC.0517): unbind it first, and wait for the
      // unbind to finish, which on a real region it has not when the answer comes.
      const current = await show(id);
      if (!current) return;
      if (current.portId) {
        await maybe('UpdatePublicip', () => sdk.eip.updatePublicip(id, { publicip: {} }));
        const unbound = await ctx.waitFor<boolean>(`EIP ${id} unbinding`, opts, async () => {
          const ip = await show(id);
          if (!ip) return { done: false };
          return ip.portId || ip.status === 'ACTIVE' ? { state: ip.status } : { done: true };
        });
        if (!unbound) return;
      }
      await maybe('DeletePublicip', () => sdk.eip.deletePublicip(id));
    },
  };
}
