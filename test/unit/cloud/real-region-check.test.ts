import { describe, expect, it } from 'vitest';
import { maskKey, parseRegionCheckArgs } from '../../../src/cloud/real-region-check.js';
import { AppError } from '../../../src/errors.js';

const env = {
  HUAWEICLOUD_AK: 'AKEXAMPLE00000000000',
  HUAWEICLOUD_SK: 'secret-sk',
  HUAWEICLOUD_REGION: 'cn-north-4',
};

function problem(argv: string[], e: Record<string, string | undefined> = env): string {
  try {
    parseRegionCheckArgs(argv, e);
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return (err as AppError).message;
  }
  return 'no problem';
}

describe('the real-region check arguments', () => {
  it('answers help before checking anything else', () => {
    expect(parseRegionCheckArgs(['--create', '--help'], {})).toBe('help');
  });

  it('reads the region, the agency and --create', () => {
    const o = parseRegionCheckArgs(
      [
        '--region',
        'ap-southeast-1',
        '--agency-domain',
        'buyer',
        '--agency-name',
        'oneclick',
        '--create',
      ],
      { ...env, HUAWEICLOUD_IAM_ENDPOINT: 'https://iam.example' },
    );
    expect(o).toMatchObject({
      ak: env.HUAWEICLOUD_AK,
      region: 'ap-southeast-1',
      agency: { domainName: 'buyer', agencyName: 'oneclick' },
      create: true,
      endpoints: { iam: 'https://iam.example', ecs: undefined },
    });
    expect(parseRegionCheckArgs([], env)).toMatchObject({ create: false, agency: undefined });
  });

  it('says what is missing or wrong', () => {
    expect(problem([], { HUAWEICLOUD_REGION: 'cn-north-4' })).toMatch(/HUAWEICLOUD_AK/);
    expect(problem([], { ...env, HUAWEICLOUD_REGION: '' })).toMatch(/--region/);
    expect(problem(['--agency-name', 'x'])).toMatch(/--agency-domain/);
    expect(problem(['--agency-domain', 'x'])).toMatch(/--agency-name/);
    expect(problem(['--region'])).toMatch(/needs a value/);
    expect(problem(['--nope'])).toMatch(/unknown argument/);
  });

  it('masks access keys', () => {
    expect(maskKey('AKEXAMPLE00000000000')).toBe('AKEX…(20)');
  });
});
