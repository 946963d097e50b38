import { createHash } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { AppError } from '../../errors.js';
import { openText, sealText } from '../../crypto/keyring.js';
import {
  claimIdempotencyKey,
  completeIdempotencyKey,
  deleteIdempotencyKey,
  getIdempotencyKey,
  pruneIdempotencyKeys,
} from '../../db/repositories/idempotency-keys.js';
import type { AppEnv } from '../context.js';

const KEY = /^[\x21-\x7e]{1,255}$/;

export interface IdempotencyOptions {
  /** An unanswered claim older than this belonged to a request that died: taken over. */
  staleAfterMs?: number;
  /** Keys (answered or not) are kept this long, then pruned. */
  retainMs?: number;
  /** Pruning runs on a write at most this often (no timer, no cron: the writes drive it). */
  pruneEveryMs?: number;
}

export const IDEMPOTENCY_STALE_AFTER_MS = 5 * 60 * 1000;
export const IDEMPOTENCY_RETAIN_MS = 24 * 60 * 60 * 1000;

/**
 * `Idempotency-Key` on POST: the first answer (below 500) is stored and replayed for the same key
 * and request; the same key with another request is refused (409), and so is a key whose first
 * request is still running, until that claim is 5 minutes old (its request died; a retry takes
 * it over). Keys are kept 24 hours. Without the header the request runs as usual.
 */
export function idempotency(options: IdempotencyOptions = {}): MiddlewareHandler<AppEnv> {
  const staleAfterSeconds = (options.staleAfterMs ?? IDEMPOTENCY_STALE_AFTER_MS) / 1000;
  const retainSeconds = (options.retainMs ?? IDEMPOTENCY_RETAIN_MS) / 1000;
  const pruneEveryMs = options.pruneEveryMs ?? 60_000;
  let lastPrune = Number.NEGATIVE_INFINITY;
  return async (c, next) => {
    const key = c.req.header('idempotency-key');
    if (c.req.method !== 'POST' || key === undefined) return next();
    // Streamed uploads are not read whole here; the package store is content-addressed, so a
    // repeated upload stores nothing new anyway.
    if ((c.req.header('content-type') ?? '').startsWith('application/octet-stream')) return next();
    if (!KEY.test(key))
      throw new AppError(
        'VALIDATION_FAILED',
        'Idempotency-Key must be 1-255 visible ASCII characters',
      );
    const { db } = c.get('deps');
    const principalId = c.get('principal').id;
    const requestHash = createHash('sha256')
      .update(`${c.req.method} ${c.req.path}\n`)
      .update(await c.req.text())
      .digest('hex');

    if (Date.now() - lastPrune >= pruneEveryMs) {
      lastPrune = Date.now();
      // Housekeeping must not fail the request it rides on.
      await pruneIdempotencyKeys(db, retainSeconds).catch((err: unknown) =>
        c.get('log').warn({ err }, 'pruning idempotency keys failed'),
      );
    }
    if (!(await claimIdempotencyKey(db, principalId, key, requestHash, staleAfterSeconds))) {
      const prior = await getIdempotencyKey(db, principalId, key);
      if (!prior) throw new AppError('CONFLICT', 'idempotency key vanished; retry');
      if (prior.requestHash !== requestHash) {
        throw new AppError(
          'IDEMPOTENCY_KEY_REUSED',
          'this Idempotency-Key was used for a different request',
        );
      }
      if (prior.statusCode === 0) {
        throw new AppError(
          'IDEMPOTENCY_KEY_IN_USE',
          'a request with this Idempotency-Key is still running',
        );
      }
      c.header('Idempotent-Replayed', 'true');
      const stored = prior.response as { sealed?: string } | null;
      const { secretsKeyring } = c.get('deps');
      if (stored && typeof stored.sealed === 'string' && secretsKeyring) {
        c.header('Cache-Control', 'no-store');
        return c.json(
          JSON.parse(openText(secretsKeyring, stored.sealed)),
          prior.statusCode as ContentfulStatusCode,
        );
      }
      return c.json(prior.response, prior.statusCode as ContentfulStatusCode);
    }

    await next();
    const isJson = (c.res.headers.get('content-type') ?? '').includes('application/json');
    // An answer carrying a secret (marked no-store: an SK shown once, a license code) is stored
    // sealed; without a key to seal it, it is not stored and the key is freed.
    const secret = /no-store/i.test(c.res.headers.get('cache-control') ?? '');
    const { secretsKeyring } = c.get('deps');
    if (c.res.status < 500 && isJson && (!secret || secretsKeyring)) {
      const text = await c.res.clone().text();
      const body: unknown =
        secret && secretsKeyring ? { sealed: sealText(secretsKeyring, text) } : JSON.parse(text);
      await completeIdempotencyKey(db, principalId, key, c.res.status, JSON.stringify(body));
    } else {
      // A failure of ours is not an answer to replay: free the key for a retry.
      await deleteIdempotencyKey(db, principalId, key);
    }
  };
}
