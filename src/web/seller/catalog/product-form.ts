import type { ApiError } from '../../api-client.js';
import { fieldErrors } from '../../api-client.js';

/**
 * The product registration form: its fields as the browser posts them (all text), and the JSON
 * body `POST /v1/products` takes. The console only reshapes text (ports as a list, variables as
 * NAME=value lines); every rule on the values is the API's, and its VALIDATION_FAILED problems come
 * back onto the fields they name.
 */

export const PRODUCT_FIELDS = [
  'name',
  'marketplaceProductId',
  'skuCode',
  'licenseModel',
  'installDir',
  'installCommand',
  'verifyCommand',
  'postLicenseCommand',
  'licensePath',
  'ports',
  'variables',
  'continuedAccessDays',
] as const;
export type ProductField = (typeof PRODUCT_FIELDS)[number];
export type ProductFormValues = Record<ProductField, string>;

/** What went wrong with a field: the API refused it, or its text is not in the form's format. */
export type ProductFieldProblem = 'invalid' | 'format' | 'duplicate';

const OPTIONAL_TEXT = [
  'skuCode',
  'installDir',
  'installCommand',
  'verifyCommand',
  'postLicenseCommand',
  'licensePath',
] as const;

/** The posted form's values, every field a string ('' when absent). */
export function productFormValues(form: Record<string, unknown>): ProductFormValues {
  const values = {} as ProductFormValues;
  for (const field of PRODUCT_FIELDS) {
    const v = form[field];
    values[field] = typeof v === 'string' ? v : '';
  }
  return values;
}

/** Whole numbers stay numbers; anything else goes as text for the API to refuse in its words. */
const numberOrText = (text: string): number | string =>
  /^\d{1,9}$/.test(text) ? Number(text) : text;

/**
 * The API body for the form's values, and the fields whose text is not in the form's own format
 * (a variables line without `=`): those are refused here, before the API is asked.
 */
export function productBody(values: ProductFormValues): {
  body: Record<string, unknown>;
  problems: Partial<Record<ProductField, ProductFieldProblem>>;
} {
  const body: Record<string, unknown> = {
    marketplaceProductId: values.marketplaceProductId.trim(),
    name: values.name.trim(),
    licenseModel: values.licenseModel,
  };
  const problems: Partial<Record<ProductField, ProductFieldProblem>> = {};
  for (const field of OPTIONAL_TEXT) {
    const text = values[field].trim();
    if (text) body[field] = text;
  }
  const days = values.continuedAccessDays.trim();
  if (days) body.continuedAccessDays = numberOrText(days);
  const ports = values.ports.split(/[\s,;]+/).filter(Boolean);
  if (ports.length) body.ports = ports.map(numberOrText);
  const variables: Record<string, string> = {};
  for (const line of values.variables.split(/\r?\n/)) {
    if (!line.trim()) continue;
    const at = line.indexOf('=');
    if (at < 0) {
      problems.variables = 'format';
      continue;
    }
    variables[line.slice(0, at).trim()] = line.slice(at + 1);
  }
  if (Object.keys(variables).length) body.variables = variables;
  return { body, problems };
}

/**
 * The fields an API refusal names (VALIDATION_FAILED paths, or CONFLICT: the marketplace product
 * is registered already), and the refusal's own words when it names no field.
 */
export function productProblems(error: ApiError): {
  problems: Partial<Record<ProductField, ProductFieldProblem>>;
  other?: string;
} {
  if (error.code === 'CONFLICT') return { problems: { marketplaceProductId: 'duplicate' } };
  if (error.code !== 'VALIDATION_FAILED') return { problems: {}, other: error.message };
  const found = fieldErrors(error, PRODUCT_FIELDS);
  const problems: Partial<Record<ProductField, ProductFieldProblem>> = {};
  for (const field of PRODUCT_FIELDS) if (found[field] !== undefined) problems[field] = 'invalid';
  return { problems, ...(found[''] !== undefined && { other: found[''] }) };
}
