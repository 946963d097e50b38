/**
 * The API's answers as the buyer's pages read them. Fields another part of OneClick may add later
 * (`product`, `deployment` on an order; the push and installer fields of `live`) are optional and
 * read defensively: a page renders what is there and nothing for what is not.
 */

export interface OrderView {
  id: string;
  orderId: string;
  orderLineId: string;
  productId: string;
  skuCode: string | null;
  status: string;
  expireTime: string | null;
  testFlag: boolean;
  supervision: { licenseModel: string; state: string; serviceStartTime: string | null };
  createdAt: string;
  /** The product as the order names it, when the API includes it. */
  product?: { id?: string; name?: string; ports?: unknown } | null;
  /** The order's newest deployment, when the API includes it (null: none). */
  deployment?: { id?: string; state?: string } | null;
}

export interface StepView {
  step: string;
  status: string;
  attempts: number;
  startedAt: string;
  endedAt: string | null;
  logTail: string | null;
}

export interface PendingView {
  activity: string;
  attempt: number;
  maximumAttempts: number;
  state: string;
  lastFailure?: string;
}

/** What the running workflow says of itself (`live` on the deployment). */
export interface LiveView {
  state?: string;
  steps?: StepView[];
  awaiting?: string;
  awaitingUntil?: string;
  failure?: { code: string; message: string };
  pending?: PendingView[];
  step?: string;
  bytesSent?: number;
  totalBytes?: number;
  bytesPerSecond?: number;
  outputTail?: string;
  at?: string;
  /** The same heartbeat fields, should they arrive nested rather than beside the progress. */
  live?: unknown;
}

export interface DeploymentView {
  id: string;
  orderRef: string;
  state: string;
  failure: { code: string; message: string } | null;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
  cloud?: { accountId: string | null; region: string | null } | null;
  steps: StepView[];
  live?: LiveView;
}

export interface SupervisionEvent {
  id: number;
  fromState: string | null;
  toState: string;
  note: string | null;
  actor: string | null;
  detail: Record<string, unknown> | null;
  at: string;
}

export interface SupervisionView {
  licenseModel: string;
  state: string;
  serviceStartTime: string | null;
  confirmation: {
    description: string;
    activationTime: string | null;
    report: { kind: string; fileName?: string; deploymentId?: string; sha256: string };
    confirmedAt: string;
  } | null;
  acceptanceDueAt: string | null;
  history: SupervisionEvent[];
}

export interface LicenseSummary {
  id: string;
  orderId: string;
  model: string;
  status: string;
  fingerprint: string | null;
  expiresAt: string | null;
  claimedAt: string | null;
  activatedAt: string | null;
  revokedAt: string | null;
  createdAt: string;
}

export interface LicenseDetail extends LicenseSummary {
  code?: string;
  document?: string | null;
}

export interface EvidenceView {
  document?: {
    deployment?: { id?: string; startedAt?: string; finishedAt?: string | null };
    server?: { id?: string | null; address?: string | null; hostKeyFingerprint?: string | null };
    package?: { fileName?: string | null; sha256?: string; sizeBytes?: number | null } | null;
  };
}

export interface CloudAccount {
  id: string;
  name: string;
  kind: 'agency' | 'aksk';
  domainName?: string;
  domainId?: string;
  agencyName?: string;
  accessKey?: string;
  region: string;
  projectId: string;
  createdAt: string;
}

export interface Page<T> {
  items: T[];
  next?: string | null;
  nextMarker?: string | null;
}
