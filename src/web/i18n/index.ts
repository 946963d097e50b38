import { common as enCommon } from './en/common.js';
import { buyer as enBuyer } from './en/buyer.js';
import { sellerCatalog as enSellerCatalog } from './en/seller-catalog.js';
import { sellerSupervision as enSellerSupervision } from './en/seller-supervision.js';
import { operatorDeployments as enOperatorDeployments } from './en/operator-deployments.js';
import { operatorAdmin as enOperatorAdmin } from './en/operator-admin.js';
import { common as zhCommon } from './zh/common.js';
import { buyer as zhBuyer } from './zh/buyer.js';
import { sellerCatalog as zhSellerCatalog } from './zh/seller-catalog.js';
import { sellerSupervision as zhSellerSupervision } from './zh/seller-supervision.js';
import { operatorDeployments as zhOperatorDeployments } from './zh/operator-deployments.js';
import { operatorAdmin as zhOperatorAdmin } from './zh/operator-admin.js';

/**
 * One message catalogue per language, each the union of its areas (common, buyer, the seller's
 * and operator's two parts each: one file per area and language, so a key lives in one place). The Chinese
 * catalogue is typed by the English one: a key missing in either fails the type check.
 */
const en = {
  ...enCommon,
  ...enBuyer,
  ...enSellerCatalog,
  ...enSellerSupervision,
  ...enOperatorDeployments,
  ...enOperatorAdmin,
};
export type MessageKey = keyof typeof en;
export type Messages = Record<MessageKey, string>;
const zh: Messages = {
  ...zhCommon,
  ...zhBuyer,
  ...zhSellerCatalog,
  ...zhSellerSupervision,
  ...zhOperatorDeployments,
  ...zhOperatorAdmin,
};

export const LANGS = ['en', 'zh'] as const;
export type Lang = (typeof LANGS)[number];
export const catalogues: Record<Lang, Messages> = { en, zh };

/** A message in the language, `{name}` placeholders filled from `vars`. */
export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

export function translator(lang: Lang): Translate {
  const messages = catalogues[lang];
  return (key, vars) => {
    const text = messages[key];
    if (!vars) return text;
    return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
      name in vars ? String(vars[name]) : whole,
    );
  };
}

export const isLang = (value: unknown): value is Lang =>
  typeof value === 'string' && (LANGS as readonly string[]).includes(value);

/**
 * The language: the visitor's choice (cookie) when they made one, else the first of
 * `Accept-Language` (by q) that OneClick speaks (`zh`, `zh-CN`, `zh-Hans` → zh), else English.
 */
export function pickLang(chosen: string | undefined, acceptLanguage: string | undefined): Lang {
  if (isLang(chosen)) return chosen;
  const ranked = (acceptLanguage ?? '')
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find(Boolean);
      return { tag: tag.toLowerCase(), q: q === undefined ? 1 : Number(q), index };
    })
    .filter((r) => r.tag && r.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const { tag } of ranked) {
    const primary = tag.split('-')[0];
    if (isLang(primary)) return primary;
  }
  return 'en';
}
