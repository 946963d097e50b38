import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Database, Sql } from '../db/sql.js';
import { newId } from '../db/ids.js';
import { AppError } from '../errors.js';
import { getOrder } from '../db/repositories/orders.js';
import { getLatestDeployment } from '../db/repositories/deployments.js';
import {
  findAcceptanceReport,
  getSupervisionRecord,
  insertAcceptanceReport,
  setConfirmation,
  setServiceStartTime,
  supervisionHistory,
  type AcceptanceReport,
  type Confirmation,
  type SupervisionHistoryEvent,
  type SupervisionRecord,
} from '../db/repositories/supervision.js';
import type { PackageStore } from '../packages/store.js';
import { advanceSupervision } from '../license/supervision.js';

/**
 * The people's side of service supervision (KooGallery's "Delivery management → Service
 * supervision"): the seller confirms completion with a description, the actual activation time
 * and an acceptance report; the buyer accepts or rejects a License 1.0 delivery (or lets it be
 * accepted when the window runs out); the seller delivers again after a rejection. Every move
 * goes through the state machine (advanceSupervision → src/domain/supervision.ts) and records who
 * made it. License 2.0 orders are accepted as soon as the proof is uploaded, and accepted License
 * 1.0 orders complete, as KooGallery does for orders without a Huawei Cloud review.
 */

/** Acceptance reports: PDF or image, as KooGallery's upload takes them. */
export const ACCEPTANCE_REPORT_TYPES = ['application/pdf', 'image/png', 'image/jpeg'] as const;
export type AcceptanceReportType = (typeof ACCEPTANCE_REPORT_TYPES)[number];
export const MAX_ACCEPTANCE_REPORT_BYTES = 20 * 1024 * 1024;
/** What a buyer has to accept or reject before it happens by itself. */
export const DEFAULT_ACCEPTANCE_WINDOW_MS = 7 * 24 * 60 * 60_000;
/** Clocks differ a little: an activation time this far ahead of ours is still "now". */
const CLOCK_SKEW_MS = 60_000;

export interface SupervisionServiceDeps {
  db: Database;
  packageStore?: PackageStore;
  acceptanceWindowMs?: number;
  /** The signed delivery evidence of a deployment, offered as the default acceptance report. */
  evidence?: { forDeployment(deploymentId: string): Promise<{ jws: string }> };
}

export interface SupervisionView extends SupervisionRecord {
  history: SupervisionHistoryEvent[];
}

export interface ConfirmInput {
  orderRef: string;
  actor: string;
  description: string;
  activationTime?: Date | null;
  /** sha256 of an acceptance report uploaded before; absent: the generated evidence. */
  reportSha256?: string;
}

export interface Confirmed {
  state: string;
  /** License 1.0: when the buyer's silence becomes acceptance (the timer's due time). */
  acceptanceDueAt: string | null;
  /** The confirming transition's event id, which names the acceptance timer. */
  confirmEventId: number;
}

export function createSupervisionService(deps: SupervisionServiceDeps) {
  const { db } = deps;
  const windowMs = deps.acceptanceWindowMs ?? DEFAULT_ACCEPTANCE_WINDOW_MS;

  async function recordOf(tx: Sql, orderRef: string): Promise<SupervisionRecord> {
    const rec = await getSupervisionRecord(tx, orderRef);
    if (!rec) throw new AppError('NOT_FOUND', 'the order has no service supervision');
    return rec;
  }

  /** The acceptance report a confirmation points at: the upload, or the generated evidence. */
  async function reportFor(input: ConfirmInput): Promise<Confirmation['report']> {
    if (input.reportSha256) {
      const found = await findAcceptanceReport(db, input.orderRef, input.reportSha256);
      if (!found) {
        throw new AppError(
          'ACCEPTANCE_REPORT_NOT_FOUND',
          'no acceptance report with this sha256 was uploaded for the order',
        );
      }
      return {
        kind: 'upload',
        sha256: found.sha256,
        fileName: found.fileName,
        contentType: found.contentType,
        sizeBytes: found.sizeBytes,
      };
    }
    const deployment = await getLatestDeployment(db, input.orderRef);
    if (!deployment || deployment.state !== 'succeeded' || !deps.evidence) {
      throw new AppError(
        'ACCEPTANCE_REPORT_REQUIRED',
        'upload the delivery acceptance report first (the order has no one-click deployment whose evidence could stand in)',
      );
    }
    // The signed evidence is kept as it was handed over (each signing differs in its time).
    const { jws } = await deps.evidence.forDeployment(deployment.id);
    const sha256 = createHash('sha256').update(jws).digest('hex');
    if (deps.packageStore) {
      const stored = await deps.packageStore.put(Readable.from([Buffer.from(jws)]), {
        maxBytes: MAX_ACCEPTANCE_REPORT_BYTES,
      });
      await insertAcceptanceReport(db, {
        id: newId('acr'),
        orderRef: input.orderRef,
        sha256: stored.sha256,
        fileName: `evidence-${deployment.id}.jws`,
        contentType: 'application/jose',
        sizeBytes: stored.sizeBytes,
        storageKey: stored.storageKey,
        uploadedBy: input.actor,
      });
    }
    return { kind: 'generated-evidence', deploymentId: deployment.id, sha256 };
  }

  function checkActivationTime(at: Date | null | undefined, orderCreatedAt: string): void {
    if (!at) return;
    if (at.getTime() > Date.now() + CLOCK_SKEW_MS) {
      throw new AppError('INVALID_ACTIVATION_TIME', 'the activation time is in the future');
    }
    if (at.getTime() < Date.parse(orderCreatedAt)) {
      throw new AppError('INVALID_ACTIVATION_TIME', 'the activation time is before the order');
    }
  }

  /** Accepts a delivery: License 1.0 seller_confirmed → accepted → completed. */
  async function acceptIn(tx: Sql, rec: SupervisionRecord, actor: string, note: string) {
    await advanceSupervision(tx, rec.orderRef, 'accepted', note, undefined, actor);
    // Without a stated activation time the service starts at acceptance (KooGallery's rule).
    await setServiceStartTime(tx, rec.id, new Date());
    await advanceSupervision(
      tx,
      rec.orderRef,
      'completed',
      'accepted delivery',
      undefined,
      'system',
    );
  }

  return {
    async view(orderRef: string): Promise<SupervisionView> {
      const rec = await recordOf(db, orderRef);
      return { ...rec, history: await supervisionHistory(db, rec.id) };
    },

    /** Stores an acceptance report (PDF or image) in the package store, hashed on the way in. */
    async uploadAcceptanceReport(input: {
      orderRef: string;
      actor: string;
      fileName: string;
      contentType: string;
      body: Readable | AsyncIterable<Uint8Array>;
    }): Promise<AcceptanceReport> {
      if (!deps.packageStore) throw new AppError('UNAVAILABLE', 'no package store');
      if (!(ACCEPTANCE_REPORT_TYPES as readonly string[]).includes(input.contentType)) {
        throw new AppError(
          'UNSUPPORTED_MEDIA_TYPE',
          `an acceptance report is ${ACCEPTANCE_REPORT_TYPES.join(', ')}`,
        );
      }
      const stored = await deps.packageStore.put(input.body, {
        maxBytes: MAX_ACCEPTANCE_REPORT_BYTES,
      });
      if (stored.sizeBytes === 0) {
        await deps.packageStore.delete(stored.storageKey);
        throw new AppError('EMPTY_PACKAGE', 'the report is empty');
      }
      const report = {
        id: newId('acr'),
        orderRef: input.orderRef,
        sha256: stored.sha256,
        fileName: input.fileName,
        contentType: input.contentType,
        sizeBytes: stored.sizeBytes,
        storageKey: stored.storageKey,
        uploadedBy: input.actor,
      };
      await insertAcceptanceReport(db, report);
      return { ...report, createdAt: new Date().toISOString() };
    },

    /**
     * The seller's "Confirm completion". License 2.0: activated → proof_uploaded → completed.
     * License 1.0: awaiting_delivery → seller_confirmed, the buyer's acceptance due after the
     * window. A confirmation repeated in the state it led to answers the first one.
     */
    async confirmCompletion(input: ConfirmInput): Promise<Confirmed> {
      const order = await getOrder(db, input.orderRef);
      if (!order) throw new AppError('NOT_FOUND', 'no such order');
      checkActivationTime(input.activationTime, order.createdAt);
      const report = await reportFor(input);
      return db.transaction(async (tx) => {
        const rec = await recordOf(tx, input.orderRef);
        const history = await supervisionHistory(tx, rec.id);
        const confirmedAlready = (to: string) =>
          [...history].reverse().find((e) => e.toState === to);
        const license2 = rec.licenseModel === 'license2';
        const to = license2 ? 'proof_uploaded' : 'seller_confirmed';
        const previous = confirmedAlready(to);
        if (previous && (rec.state === to || (license2 && rec.state === 'completed'))) {
          return {
            state: rec.state,
            acceptanceDueAt: rec.acceptanceDueAt,
            confirmEventId: previous.id,
          };
        }
        const activationTime = input.activationTime ?? null;
        const confirmation: Confirmation = {
          description: input.description,
          activationTime: activationTime?.toISOString() ?? null,
          report,
          confirmedBy: input.actor,
          confirmedAt: new Date().toISOString(),
        };
        const confirmEventId = await advanceSupervision(
          tx,
          input.orderRef,
          to,
          'seller confirmed completion',
          activationTime ?? undefined,
          input.actor,
          { description: input.description, activationTime: confirmation.activationTime, report },
        );
        if (confirmEventId === undefined) {
          throw new AppError('INVALID_STATE_TRANSITION', `supervision is ${rec.state}`);
        }
        const dueAt = license2 ? null : new Date(Date.now() + windowMs);
        await setConfirmation(tx, rec.id, confirmation, dueAt);
        if (license2) {
          // KooGallery accepts License 2.0 orders once the proof is in (no buyer step).
          await advanceSupervision(
            tx,
            input.orderRef,
            'completed',
            'proof uploaded',
            undefined,
            'system',
          );
        }
        return {
          state: license2 ? 'completed' : to,
          acceptanceDueAt: dueAt?.toISOString() ?? null,
          confirmEventId,
        };
      });
    },

    /** The buyer accepts a License 1.0 delivery. */
    async accept(input: { orderRef: string; actor: string }): Promise<{ state: string }> {
      return db.transaction(async (tx) => {
        const rec = await recordOf(tx, input.orderRef);
        if (rec.state === 'completed' || rec.state === 'accepted') return { state: rec.state };
        if (rec.licenseModel !== 'license1' || rec.state !== 'seller_confirmed') {
          throw new AppError(
            'INVALID_STATE_TRANSITION',
            `nothing to accept: supervision is ${rec.state}`,
          );
        }
        await acceptIn(tx, rec, input.actor, 'buyer accepted');
        return { state: 'completed' };
      });
    },

    /** The buyer rejects a License 1.0 delivery, saying why. */
    async reject(input: {
      orderRef: string;
      actor: string;
      reason: string;
    }): Promise<{ state: string }> {
      return db.transaction(async (tx) => {
        const rec = await recordOf(tx, input.orderRef);
        if (rec.licenseModel !== 'license1' || rec.state !== 'seller_confirmed') {
          throw new AppError(
            'INVALID_STATE_TRANSITION',
            `nothing to reject: supervision is ${rec.state}`,
          );
        }
        await advanceSupervision(
          tx,
          input.orderRef,
          'rejected',
          'buyer rejected',
          undefined,
          input.actor,
          {
            reason: input.reason,
          },
        );
        return { state: 'rejected' };
      });
    },

    /** The seller fixed a rejected delivery and delivers again: rejected → awaiting_delivery. */
    async redeliver(input: { orderRef: string; actor: string }): Promise<{ state: string }> {
      return db.transaction(async (tx) => {
        const rec = await recordOf(tx, input.orderRef);
        if (rec.state !== 'rejected') {
          throw new AppError(
            'INVALID_STATE_TRANSITION',
            `nothing to deliver again: supervision is ${rec.state}`,
          );
        }
        await advanceSupervision(
          tx,
          input.orderRef,
          'awaiting_delivery',
          'seller delivers again',
          undefined,
          input.actor,
        );
        return { state: 'awaiting_delivery' };
      });
    },

    /**
     * The acceptance timer's end: a delivery the buyer neither accepted nor rejected is accepted,
     * unless the confirmation that started this timer has been overtaken (rejected and confirmed
     * again: that one has its own timer).
     */
    async acceptAutomatically(input: {
      orderRef: string;
      confirmEventId: number;
    }): Promise<{ accepted: boolean }> {
      return db.transaction(async (tx) => {
        const rec = await recordOf(tx, input.orderRef);
        if (rec.state !== 'seller_confirmed') return { accepted: false };
        const lastConfirm = [...(await supervisionHistory(tx, rec.id))]
          .reverse()
          .find((e) => e.toState === 'seller_confirmed');
        if (lastConfirm?.id !== input.confirmEventId) return { accepted: false };
        await acceptIn(
          tx,
          rec,
          'system',
          'accepted automatically: the buyer did not answer in time',
        );
        return { accepted: true };
      });
    },
  };
}

export type SupervisionService = ReturnType<typeof createSupervisionService>;
