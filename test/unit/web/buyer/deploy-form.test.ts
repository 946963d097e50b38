import { describe, expect, it } from 'vitest';
import { startDeploymentBody } from '../../../../src/api/routes/deployments.schema.js';
import {
  DEFAULT_VALUES,
  deployFieldErrors,
  readDeployForm,
  startBody,
} from '../../../../src/web/buyer/deploy-form.js';

const PASSWORD = 'Buyer-Form!42';

describe('the Start Deployment form as data', () => {
  it('reads the posted form, keeping the password out of the values it shows again', () => {
    const { values, password } = readDeployForm({
      account: ' acc_1 ',
      region: 'cn-north-4',
      serverMode: 'existing',
      serverId: 'srv-1',
      vpcMode: 'bogus',
      adminPassword: ` ${PASSWORD} `,
      publicIp: 'on',
      _csrf: 'token',
    });
    expect(values).toMatchObject({
      account: 'acc_1',
      region: 'cn-north-4',
      serverMode: 'existing',
      serverId: 'srv-1',
      vpcMode: 'new',
      publicIp: true,
      chargeMode: 'traffic',
    });
    expect(JSON.stringify(values)).not.toContain(PASSWORD);
    expect(password).toBe(` ${PASSWORD} `);
  });

  it('builds a body the API accepts for a new server and network', () => {
    const body = startBody(
      { ...DEFAULT_VALUES, flavorRef: 's6.small.1', imageRef: 'img-1', availabilityZone: 'az1' },
      PASSWORD,
    );
    expect(body).toEqual({
      server: { imageRef: 'img-1', flavorRef: 's6.small.1', availabilityZone: 'az1' },
      vpc: { cidr: '192.168.0.0/16' },
      subnet: { cidr: '192.168.1.0/24', gatewayIp: '192.168.1.1' },
      securityGroup: { create: true },
      adminPassword: PASSWORD,
    });
    expect(startDeploymentBody.safeParse(body).success).toBe(true);
  });

  it("builds a body the API accepts for the buyer's own resources, in a linked account", () => {
    const body = startBody(
      {
        ...DEFAULT_VALUES,
        account: 'acc_1',
        region: 'ap-southeast-1',
        serverMode: 'existing',
        serverId: 'srv-1',
        vpcMode: 'existing',
        vpcId: 'vpc-1',
        subnetMode: 'existing',
        subnetId: 'sub-1',
        sgMode: 'existing',
        securityGroupId: 'sg-1',
        // An elastic IP is only for a server OneClick creates: not sent for the buyer's own.
        publicIp: true,
      },
      'root-login-pass',
    );
    expect(body).toEqual({
      cloud: { accountId: 'acc_1', region: 'ap-southeast-1' },
      server: { existingId: 'srv-1' },
      vpc: { existingId: 'vpc-1' },
      subnet: { existingId: 'sub-1' },
      securityGroup: { existingId: 'sg-1' },
      adminPassword: 'root-login-pass',
    });
    expect(startDeploymentBody.safeParse(body).success).toBe(true);
  });

  it('sends an elastic IP for a new server, and no password when none was typed', () => {
    const body = startBody(
      {
        ...DEFAULT_VALUES,
        flavorRef: 'f',
        imageRef: 'i',
        publicIp: true,
        bandwidthSize: '10',
        chargeMode: 'bandwidth',
      },
      '',
    );
    expect(body.publicIp).toEqual({ bandwidthSize: 10, chargeMode: 'bandwidth' });
    expect(body).not.toHaveProperty('adminPassword');
    expect(body).not.toHaveProperty('cloud');
    const typo = startBody({ ...DEFAULT_VALUES, publicIp: true, bandwidthSize: 'ten' }, '');
    expect((typo.publicIp as { bandwidthSize: unknown }).bandwidthSize).toBe('ten');
  });

  it("puts each of the API's problems beside its field, in the API's words", () => {
    const errors = deployFieldErrors({
      code: 'VALIDATION_FAILED',
      message:
        'server.flavorRef: must be a flavor id; vpc.cidr: must be an IPv4 CIDR block, /8 to /29; adminPassword: must be at least 8 characters; adminPassword: ECS password rule: must be 8 to 26 characters; publicIp.bandwidthSize: must be at least 1 Mbit/s; cloud.region: must be a region name such as cn-north-4; subnet.existingId: must be a cloud resource id; (body): odd',
    });
    expect(errors).toEqual({
      flavorRef: 'must be a flavor id',
      vpcCidr: 'must be an IPv4 CIDR block, /8 to /29',
      adminPassword: 'must be at least 8 characters; ECS password rule: must be 8 to 26 characters',
      bandwidthSize: 'must be at least 1 Mbit/s',
      region: 'must be a region name such as cn-north-4',
      subnetId: 'must be a cloud resource id',
      '': '(body): odd',
    });
  });

  it('puts refusals that name no path beside the field their code is about, or above the form', () => {
    expect(
      deployFieldErrors({
        code: 'CLOUD_ACCOUNT_NOT_FOUND',
        message: 'cloud.accountId: no such cloud account',
      }),
    ).toEqual({ account: 'no such cloud account' });
    expect(
      deployFieldErrors({
        code: 'CLOUD_REGION_UNKNOWN',
        message: 'unknown Huawei Cloud region "x-y"',
      }),
    ).toEqual({ region: 'unknown Huawei Cloud region "x-y"' });
    expect(
      deployFieldErrors(
        { code: 'ORDER_NOT_DEPLOYABLE', message: 'cannot deploy: the order is expired' },
        (code) => (code === 'ORDER_NOT_DEPLOYABLE' ? 'Not deployable.' : undefined),
      ),
    ).toEqual({ '': 'Not deployable.' });
  });
});
