import { describe, expect, it } from 'vitest';
import { SandboxAccounts } from '../../../src/sandbox/accounts.js';

const REGIONS = ['cn-north-4', 'cn-east-3'];

function setup() {
  const accounts = new SandboxAccounts(REGIONS);
  const oneclick = accounts.addKeyAccount({ ak: 'OWNAK', sk: 'own-sk', projectIds: ['p-own'] });
  const buyer = accounts.createDomain('buyer_one');
  accounts.createAgency(buyer.id, 'deploy', oneclick.id);
  return { accounts, oneclick, buyer };
}

describe('sandbox accounts', () => {
  it("keeps a key account's configured project and derives the same domain and projects again", () => {
    const { oneclick } = setup();
    expect(oneclick.projects).toEqual([
      { id: 'p-own', name: 'cn-north-4' },
      { id: expect.stringMatching(/^[0-9a-f]{32}$/) as unknown, name: 'cn-east-3' },
    ]);
    const again = new SandboxAccounts(REGIONS).addKeyAccount({
      ak: 'OWNAK',
      sk: 'own-sk',
      projectIds: ['p-own'],
    });
    expect(again).toEqual(oneclick);
  });

  it('gives a buyer a 32-hex domain, a 20-character AK and one project per region', () => {
    const { buyer, accounts } = setup();
    expect(buyer.id).toMatch(/^[0-9a-f]{32}$/);
    expect(buyer.keys[0]?.ak).toMatch(/^[A-Z0-9]{20}$/);
    expect(buyer.projects.map((p) => p.name)).toEqual(REGIONS);
    expect(accounts.mayUse(buyer.keys[0]?.ak ?? '', buyer.projects[1]?.id ?? '')).toBe(true);
    expect(accounts.mayUse('OWNAK', buyer.projects[0]?.id ?? '')).toBe(false);
  });

  it('answers temporary credentials acting in the delegating domain to the trusted domain only', () => {
    const { accounts, oneclick, buyer } = setup();
    const ok = accounts.assumeRole(oneclick.id, { domainName: 'buyer_one' }, 'deploy', 900);
    if (!ok.ok) throw new Error(ok.message);
    expect(accounts.domainOf(ok.credential.ak)?.id).toBe(buyer.id);
    expect(accounts.mayUse(ok.credential.ak, buyer.projects[0]?.id ?? '')).toBe(true);
    expect(accounts.mayUse(ok.credential.ak, 'p-own')).toBe(false);

    expect(accounts.assumeRole(buyer.id, { domainId: buyer.id }, 'deploy', 900)).toMatchObject({
      ok: false,
      status: 403,
    });
    expect(accounts.assumeRole(oneclick.id, { domainId: buyer.id }, 'other', 900)).toMatchObject({
      ok: false,
      status: 404,
    });
    expect(accounts.assumeRole(oneclick.id, { domainName: 'nobody' }, 'deploy', 900)).toMatchObject(
      { ok: false, status: 404 },
    );
  });

  it('wants the security token with a temporary AK, and refuses it once expired', () => {
    const { accounts, oneclick } = setup();
    const now = Date.now();
    const r = accounts.assumeRole(oneclick.id, { domainName: 'buyer_one' }, 'deploy', 900, now);
    if (!r.ok) throw new Error(r.message);
    const { ak, securityToken } = r.credential;
    expect(accounts.tokenProblem('OWNAK', undefined)).toBeUndefined();
    expect(accounts.tokenProblem(ak, securityToken, now)).toBeUndefined();
    expect(accounts.tokenProblem(ak, undefined, now)).toBe('SECURITY_TOKEN_MISSING');
    expect(accounts.tokenProblem(ak, `${securityToken}x`, now)).toBe('SECURITY_TOKEN_MISMATCH');
    expect(accounts.tokenProblem(ak, securityToken, now + 900_000)).toBe('TOKEN_EXPIRED');
    expect(accounts.secretOf(ak)).toBe(r.credential.sk);
  });

  it('refuses a second agency of the same name in one domain', () => {
    const { accounts, oneclick, buyer } = setup();
    expect(accounts.createAgency(buyer.id, 'deploy', oneclick.id)).toBeUndefined();
    expect(accounts.createAgency(buyer.id, 'deploy2', oneclick.id)?.name).toBe('deploy2');
  });

  it('exports and imports domains, agencies and temporary credentials', () => {
    const { accounts, oneclick, buyer } = setup();
    const r = accounts.assumeRole(oneclick.id, { domainId: buyer.id }, 'deploy', 900);
    if (!r.ok) throw new Error(r.message);
    const restored = new SandboxAccounts(REGIONS);
    restored.addKeyAccount({ ak: 'OWNAK', sk: 'own-sk', projectIds: ['p-own'] });
    restored.import(
      JSON.parse(JSON.stringify(accounts.export())) as ReturnType<typeof accounts.export>,
    );
    expect(restored.domainOf(r.credential.ak)?.id).toBe(buyer.id);
    expect(restored.tokenProblem(r.credential.ak, r.credential.securityToken)).toBeUndefined();
    expect(restored.assumeRole(oneclick.id, { domainId: buyer.id }, 'deploy', 900).ok).toBe(true);
  });
});
