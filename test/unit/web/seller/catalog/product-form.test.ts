import { describe, expect, it } from 'vitest';
import {
  productBody,
  productFormValues,
  productProblems,
} from '../../../../../src/web/seller/catalog/product-form.js';

describe('product form', () => {
  const values = (over: Record<string, string>) =>
    productFormValues({
      name: 'Acme',
      marketplaceProductId: 'OFFI-1',
      licenseModel: 'license2',
      ...over,
    });

  it('sends only what was filled in, ports as numbers and variables as a record', () => {
    const { body, problems } = productBody(
      values({
        name: '  Acme DB ',
        installDir: '/opt/acme',
        ports: '22, 8443 ;9000',
        variables: 'EDITION=pro\r\n\nURL=https://x/?a=b\n',
        continuedAccessDays: '30',
        skuCode: '   ',
      }),
    );
    expect(problems).toEqual({});
    expect(body).toEqual({
      name: 'Acme DB',
      marketplaceProductId: 'OFFI-1',
      licenseModel: 'license2',
      installDir: '/opt/acme',
      ports: [22, 8443, 9000],
      variables: { EDITION: 'pro', URL: 'https://x/?a=b' },
      continuedAccessDays: 30,
    });
  });

  it('leaves judging values to the API: text that is not a number goes as text', () => {
    const { body } = productBody(values({ ports: '22, ssh', continuedAccessDays: 'soon' }));
    expect(body.ports).toEqual([22, 'ssh']);
    expect(body.continuedAccessDays).toBe('soon');
  });

  it('refuses a variables line without "=" itself', () => {
    expect(productBody(values({ variables: 'EDITION=pro\nREGION' })).problems).toEqual({
      variables: 'format',
    });
  });

  it('puts each problem the API names on its field, and a conflict on the product ID', () => {
    const refused = productProblems({
      code: 'VALIDATION_FAILED',
      message:
        'name: Too small; ports.1: Invalid input; variables.lower: Invalid key in record; (body): odd',
    });
    expect(refused.problems).toEqual({ name: 'invalid', ports: 'invalid', variables: 'invalid' });
    expect(refused.other).toBe('(body): odd');
    expect(productProblems({ code: 'CONFLICT', message: 'already' }).problems).toEqual({
      marketplaceProductId: 'duplicate',
    });
    expect(productProblems({ code: 'IDEMPOTENCY_KEY_IN_USE', message: 'busy' })).toEqual({
      problems: {},
      other: 'busy',
    });
  });
});
