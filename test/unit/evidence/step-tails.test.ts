import { describe, expect, it } from 'vitest';
import { stepTail, type StepProgress } from '../../../src/domain/deployment.js';
import { readStepTails } from '../../../src/evidence/step-tails.js';
import { describeNetwork } from '../../../workflows/provision.js';

const SHA = 'ab'.repeat(32);
const HOST_KEY = `SHA256:${'Q'.repeat(43)}`;

const step = (name: StepProgress['step'], logTail: string | null, status = 'succeeded') =>
  ({
    step: name,
    status,
    attempts: 1,
    startedAt: '2025-01-01T00:00:00.000Z',
    endedAt: '2025-01-01T00:00:01.000Z',
    logTail,
  }) as StepProgress;

describe('readStepTails', () => {
  it('reads back what the step formatters wrote', () => {
    const push = {
      skipped: false,
      bytesSent: 10240,
      resumedFrom: 0,
      remotePath: '/var/tmp/x',
      sha256: SHA,
    };
    const tails = readStepTails([
      step(
        'network',
        describeNetwork({ vpcId: 'vpc-1', subnetId: 'sub-1', securityGroupId: 'sg-1' }),
      ),
      step('server', stepTail.server({ id: 'srv-1', status: 'ACTIVE', ip: '198.18.0.7' })),
      step('ssh', stepTail.ssh({ hostKey: HOST_KEY })),
      step('push', stepTail.push(push)),
      step(
        'license',
        stepTail.license({ licenseId: 'lic_1', remotePath: '/opt/demo/license.key' }),
      ),
      step('verify', stepTail.command({ tail: 'verified\n' })),
    ]);
    expect(tails).toEqual({
      network: { vpcId: 'vpc-1', subnetId: 'sub-1', securityGroupId: 'sg-1' },
      server: { id: 'srv-1', status: 'ACTIVE', ip: '198.18.0.7' },
      hostKey: HOST_KEY,
      push: { sha256: SHA, remotePath: '/var/tmp/x', skipped: false },
      license: { licenseId: 'lic_1', remotePath: '/opt/demo/license.key' },
      verify: 'verified\n',
    });
  });

  it('reads nothing from a step that did not succeed', () => {
    const tails = readStepTails([
      step('server', 'server srv-9 ERROR at 198.18.0.9', 'failed'),
      step('verify', 'license invalid', 'failed'),
    ]);
    expect(tails).toEqual({});
  });

  it('finds the digest in a push tail cut short', () => {
    const cut =
      `{"skipped":false,"bytesSent":1,"resumedFrom":0,"sha256":"${SHA}","remotePath":"/var/tmp/${'x'.repeat(600)}"}`.slice(
        0,
        500,
      );
    expect(readStepTails([step('push', cut)]).push).toEqual({
      sha256: SHA,
      remotePath: null,
      skipped: null,
    });
  });

  it('ignores tails of another shape', () => {
    const tails = readStepTails([
      step('network', 'vpc a subnet b'),
      step('ssh', 'host key MD5:aa:bb'),
      step('push', '{"sha256":"not-hex"}'),
    ]);
    expect(tails).toEqual({});
  });
});
