import { fieldErrors, type ApiError } from '../api-client.js';

/**
 * The Start Deployment form as data: what the browser posted, the body `POST
 * /v1/orders/{id}/deployments` takes, and the API's refusals mapped back onto the form's fields.
 * The password is read once and goes only into the body: it is never a form value to echo.
 */

export type Mode = 'new' | 'existing';

export interface DeployFormValues {
  account: string;
  region: string;
  serverMode: Mode;
  flavorRef: string;
  imageRef: string;
  availabilityZone: string;
  serverId: string;
  vpcMode: Mode;
  vpcCidr: string;
  vpcId: string;
  subnetMode: Mode;
  subnetCidr: string;
  gatewayIp: string;
  subnetId: string;
  sgMode: Mode;
  securityGroupId: string;
  publicIp: boolean;
  bandwidthSize: string;
  chargeMode: string;
}

/** What a new form starts with (the API's own defaults for a new network). */
export const DEFAULT_VALUES: DeployFormValues = {
  account: '',
  region: '',
  serverMode: 'new',
  flavorRef: '',
  imageRef: '',
  availabilityZone: '',
  serverId: '',
  vpcMode: 'new',
  vpcCidr: '192.168.0.0/16',
  vpcId: '',
  subnetMode: 'new',
  subnetCidr: '192.168.1.0/24',
  gatewayIp: '192.168.1.1',
  subnetId: '',
  sgMode: 'new',
  securityGroupId: '',
  publicIp: false,
  bandwidthSize: '5',
  chargeMode: 'traffic',
};

const text = (form: Record<string, unknown>, name: string, max = 256): string => {
  const v = form[name];
  return typeof v === 'string' ? v.trim().slice(0, max) : '';
};
const mode = (form: Record<string, unknown>, name: string): Mode =>
  form[name] === 'existing' ? 'existing' : 'new';

/** The posted form: its values (to show again) and the password (never shown again). */
export function readDeployForm(form: Record<string, unknown>): {
  values: DeployFormValues;
  password: string;
} {
  const raw = form.adminPassword;
  return {
    values: {
      account: text(form, 'account', 64),
      region: text(form, 'region', 64),
      serverMode: mode(form, 'serverMode'),
      flavorRef: text(form, 'flavorRef'),
      imageRef: text(form, 'imageRef'),
      availabilityZone: text(form, 'availabilityZone'),
      serverId: text(form, 'serverId'),
      vpcMode: mode(form, 'vpcMode'),
      vpcCidr: text(form, 'vpcCidr', 64),
      vpcId: text(form, 'vpcId'),
      subnetMode: mode(form, 'subnetMode'),
      subnetCidr: text(form, 'subnetCidr', 64),
      gatewayIp: text(form, 'gatewayIp', 64),
      subnetId: text(form, 'subnetId'),
      sgMode: mode(form, 'sgMode'),
      securityGroupId: text(form, 'securityGroupId'),
      publicIp: form.publicIp === 'on' || form.publicIp === 'true',
      bandwidthSize: text(form, 'bandwidthSize', 16),
      chargeMode: text(form, 'chargeMode', 16) || 'traffic',
    },
    // Not trimmed: spaces are the buyer's (and the API says whether ECS allows them).
    password: typeof raw === 'string' ? raw.slice(0, 1024) : '',
  };
}

/** A whole number as typed, else the text itself (the API then names what is wrong). */
const numberOf = (s: string): number | string => (/^-?\d{1,9}$/.test(s) ? Number(s) : s);

/** The Start Deployment body for the form's choices. */
export function startBody(v: DeployFormValues, password: string): Record<string, unknown> {
  const newServer = v.serverMode === 'new';
  const cloud = {
    ...(v.account && { accountId: v.account }),
    ...(v.region && { region: v.region }),
  };
  return {
    ...(Object.keys(cloud).length > 0 && { cloud }),
    server: newServer
      ? {
          imageRef: v.imageRef,
          flavorRef: v.flavorRef,
          ...(v.availabilityZone && { availabilityZone: v.availabilityZone }),
        }
      : { existingId: v.serverId },
    vpc: v.vpcMode === 'new' ? { cidr: v.vpcCidr } : { existingId: v.vpcId },
    subnet:
      v.subnetMode === 'new'
        ? { cidr: v.subnetCidr, gatewayIp: v.gatewayIp }
        : { existingId: v.subnetId },
    securityGroup: v.sgMode === 'new' ? { create: true } : { existingId: v.securityGroupId },
    ...(v.publicIp &&
      newServer && {
        publicIp: { bandwidthSize: numberOf(v.bandwidthSize), chargeMode: v.chargeMode },
      }),
    ...(password !== '' && { adminPassword: password }),
  };
}

/** The API's paths, most specific first, and the form field each problem is shown beside. */
const FIELD_OF: [string, string][] = [
  ['cloud.accountId', 'account'],
  ['cloud.region', 'region'],
  ['cloud', 'account'],
  ['server.flavorRef', 'flavorRef'],
  ['server.imageRef', 'imageRef'],
  ['server.availabilityZone', 'availabilityZone'],
  ['server.existingId', 'serverId'],
  ['server', 'server'],
  ['vpc.cidr', 'vpcCidr'],
  ['vpc.existingId', 'vpcId'],
  ['vpc', 'vpc'],
  ['subnet.cidr', 'subnetCidr'],
  ['subnet.gatewayIp', 'gatewayIp'],
  ['subnet.existingId', 'subnetId'],
  ['subnet', 'subnet'],
  ['securityGroup.existingId', 'securityGroupId'],
  ['securityGroup', 'securityGroup'],
  ['publicIp.bandwidthSize', 'bandwidthSize'],
  ['publicIp.chargeMode', 'chargeMode'],
  ['publicIp', 'publicIp'],
  ['adminPassword', 'adminPassword'],
];

/** Codes whose message names no path but whose field is known. */
const CODE_FIELD: Record<string, string> = {
  CLOUD_REGION_UNKNOWN: 'region',
  CLOUD_ACCOUNT_REQUIRED: 'account',
  CLOUD_ACCOUNT_NOT_FOUND: 'account',
  PUBLIC_IP_NEEDS_NEW_SERVER: 'publicIp',
};

/**
 * The API's refusal as errors by form field ('' for the form as a whole), in the API's words;
 * `words` may give the console's own words for a code.
 */
export function deployFieldErrors(
  error: ApiError,
  words: (code: string) => string | undefined = () => undefined,
): Record<string, string> {
  const byPath = fieldErrors(
    error,
    FIELD_OF.map(([path]) => path),
  );
  const out: Record<string, string> = {};
  const add = (key: string, message: string) => {
    out[key] = out[key] ? `${out[key]}; ${message}` : message;
  };
  for (const [path, message] of Object.entries(byPath)) {
    const fieldName =
      path === ''
        ? (CODE_FIELD[error.code] ?? '')
        : (FIELD_OF.find(([p]) => p === path)?.[1] ?? '');
    add(fieldName, path === '' ? (words(error.code) ?? message) : message);
  }
  return out;
}
