import { describe, expect, it } from 'vitest';
import { catalogues, pickLang, translator } from '../../../../src/web/i18n/index.js';
import { common } from '../../../../src/web/i18n/en/common.js';
import { buyer } from '../../../../src/web/i18n/en/buyer.js';
import { sellerCatalog } from '../../../../src/web/i18n/en/seller-catalog.js';
import { sellerSupervision } from '../../../../src/web/i18n/en/seller-supervision.js';
import { operatorDeployments } from '../../../../src/web/i18n/en/operator-deployments.js';
import { operatorAdmin } from '../../../../src/web/i18n/en/operator-admin.js';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('console message catalogues', () => {
  it('defines each key in exactly one area file', () => {
    const areas = [
      common,
      buyer,
      sellerCatalog,
      sellerSupervision,
      operatorDeployments,
      operatorAdmin,
    ];
    const seen = new Map<string, number>();
    for (const area of areas)
      for (const key of Object.keys(area)) seen.set(key, (seen.get(key) ?? 0) + 1);
    expect([...seen].filter(([, n]) => n > 1).map(([k]) => k)).toEqual([]);
  });

  it('gives Chinese every English key, with the same placeholders and no English left in', () => {
    const { en, zh } = catalogues;
    expect(Object.keys(zh).sort()).toEqual(Object.keys(en).sort());
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(placeholders(zh[key]), key).toEqual(placeholders(en[key]));
      expect(zh[key].trim(), key).not.toBe('');
    }
  });

  it('fills placeholders and keeps unknown ones visible', () => {
    const t = translator('en');
    expect(t('nav.signedInAs', { name: 'Lin', role: 'buyer' })).toBe('Signed in as Lin (buyer)');
    expect(t('nav.signedInAs', { name: 'Lin' })).toBe('Signed in as Lin ({role})');
  });

  it('picks the language from the choice, then Accept-Language by weight, then English', () => {
    expect(pickLang('zh', 'en-US')).toBe('zh');
    expect(pickLang(undefined, 'zh-CN,zh;q=0.9,en;q=0.8')).toBe('zh');
    expect(pickLang(undefined, 'fr;q=1, en;q=0.5, zh;q=0.7')).toBe('zh');
    expect(pickLang(undefined, 'zh;q=0, en')).toBe('en');
    expect(pickLang('xx', 'de')).toBe('en');
    expect(pickLang(undefined, undefined)).toBe('en');
  });
});
