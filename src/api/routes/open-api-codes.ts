import type { VerifyFailure } from '../../signing/sdk-hmac-sha256.js';

/**
 * KooGallery's answer codes for the License 2.0 open API (access guide AG-0070649195), the
 * mapping from the license service's codes, and APIG's answers to signature problems.
 */
export const OPEN_API_CODES = {
  SUCCESS: '92020000',
  INTERNAL: '92020001',
  BAD_PARAMETER: '92020002',
  ILLEGAL_STATE: '92020003',
  NOT_CLAIMED: '92020004',
  NO_SUCH_CODE: '92020005',
  NOT_ACTIVATED: '92020011',
  INVALID_IN_BATCH: '92020020',
  HTTP_BAD_REQUEST: '95000001',
  HTTP_METHOD: '95000002',
  HTTP_MEDIA_TYPE: '95000003',
  HTTP_UNREADABLE: '95000004',
} as const;

export const MESSAGES: Record<string, string> = {
  '92020000': 'success',
  '92020001': 'internal error',
  '92020002': 'bad parameter',
  '92020003': 'illegal state: the code is already activated or no longer usable',
  '92020004': 'the buyer has not claimed the code yet',
  '92020005': 'no such code',
  '92020011': 'the code is not activated',
  '92020020': 'invalid code in batch',
};

/** Maps the license service's codes to KooGallery's. */
export function openApiCode(code: string): string {
  switch (code) {
    case 'LICENSE_CODE_MALFORMED':
    case 'VALIDATION_FAILED':
      return OPEN_API_CODES.BAD_PARAMETER;
    case 'LICENSE_CODE_UNKNOWN':
    case 'LICENSE_CODE_CHECK_FAILED':
      return OPEN_API_CODES.NO_SUCH_CODE;
    case 'LICENSE_CODE_NOT_CLAIMED':
      return OPEN_API_CODES.NOT_CLAIMED;
    case 'LICENSE_CODE_STATE':
      return OPEN_API_CODES.ILLEGAL_STATE;
    case 'LICENSE_CODE_NOT_ACTIVATED':
      return OPEN_API_CODES.NOT_ACTIVATED;
    default:
      return OPEN_API_CODES.INTERNAL;
  }
}

/** APIG's own answers to signature problems (what Huawei's gateway sends before the API runs). */
export const AUTH_ERRORS: Record<VerifyFailure, { code: string; msg: string }> = {
  MISSING_AUTHORIZATION: {
    code: 'APIG.0301',
    msg: 'Incorrect IAM authentication information: Authorization not found',
  },
  MALFORMED_AUTHORIZATION: {
    code: 'APIG.0301',
    msg: 'Incorrect IAM authentication information: malformed Authorization',
  },
  MISSING_DATE: {
    code: 'APIG.0301',
    msg: 'Incorrect IAM authentication information: X-Sdk-Date not found',
  },
  DATE_OUT_OF_WINDOW: {
    code: 'APIG.0303',
    msg: 'Incorrect app authentication information: the request time is too far off',
  },
  UNKNOWN_ACCESS_KEY: {
    code: 'APIG.0301',
    msg: 'Incorrect IAM authentication information: unknown access key',
  },
  BAD_SIGNATURE: {
    code: 'APIG.0301',
    msg: 'Incorrect IAM authentication information: verify aksk signature fail',
  },
};
