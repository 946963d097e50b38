import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** OneClick's search attributes; all Keyword so operators filter by exact value. */
export const OrderIdKey = defineSearchAttributeKey('OrderId', SearchAttributeType.KEYWORD);
export const SellerIdKey = defineSearchAttributeKey('SellerId', SearchAttributeType.KEYWORD);
export const ProductIdKey = defineSearchAttributeKey('ProductId', SearchAttributeType.KEYWORD);
export const DeploymentStepKey = defineSearchAttributeKey(
  'DeploymentStep',
  SearchAttributeType.KEYWORD,
);
export const DeploymentStatusKey = defineSearchAttributeKey(
  'DeploymentStatus',
  SearchAttributeType.KEYWORD,
);

export const searchAttributeKeys = [
  OrderIdKey,
  SellerIdKey,
  ProductIdKey,
  DeploymentStepKey,
  DeploymentStatusKey,
] as const;

/** `--search-attribute` flags for `temporal server start-dev`. */
export const devServerSearchAttributeFlags = (): string[] =>
  searchAttributeKeys.flatMap((k) => ['--search-attribute', `${k.name}=Keyword`]);
