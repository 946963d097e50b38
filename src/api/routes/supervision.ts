import type { Context } from 'hono';
import { Readable } from 'node:stream';
import { AppError } from '../../errors.js';
import {
  createSupervisionService,
  MAX_ACCEPTANCE_REPORT_BYTES,
  type SupervisionService,
} from '../../supervision/supervision-service.js';
import type { AppEnv } from '../context.js';
import { resourceRoutes } from '../contract.js';
import { visibleOrder } from './orders.js';
import { acceptanceReportUpload, supervisionContracts as route } from './supervision.schema.js';

function serviceOf(c: Context<AppEnv>): SupervisionService {
  const deps = c.get('deps');
  return createSupervisionService({
    db: deps.db,
    packageStore: deps.packageStore,
    evidence: deps.evidence,
    acceptanceWindowMs: deps.acceptanceWindowMs,
  });
}

/** Asks for the marketplace reports to go out now; the schedule sends them anyway if this fails. */
function kickReports(c: Context<AppEnv>): void {
  const temporal = c.get('deps').temporal;
  temporal?.kickSupervisionReports().catch((err: unknown) => {
    c.get('log').warn({ err: String(err) }, 'could not kick the supervision reports');
  });
}

/** Service supervision under /v1/orders/:id/supervision: view, confirm, accept, reject, redeliver. */
export function supervisionRoutes() {
  return resourceRoutes()
    .openapi(route.show, async (c) => {
      const order = await visibleOrder(c, c.req.param('id'));
      return c.json(await serviceOf(c).view(order.id), 200);
    })
    .openapi(route.confirm, async (c) => {
      const order = await visibleOrder(c, c.req.param('id'));
      const body = c.req.valid('json');
      const temporal = c.get('deps').temporal;
      // License 1.0's acceptance window is a Temporal timer: no confirmation without it.
      if (order.supervision.licenseModel === 'license1' && !temporal) {
        throw new AppError('UNAVAILABLE', 'confirming needs Temporal, which is down');
      }
      const confirmed = await serviceOf(c).confirmCompletion({
        orderRef: order.id,
        actor: c.get('principal').id,
        description: body.description,
        activationTime: body.activationTime ? new Date(body.activationTime) : undefined,
        reportSha256: body.acceptanceReportSha256,
      });
      if (confirmed.acceptanceDueAt && temporal) {
        // Idempotent by the confirmation's event id: a repeated confirm finds it running.
        await temporal
          .startAcceptanceTimer({
            orderRef: order.id,
            confirmEventId: confirmed.confirmEventId,
            dueAt: confirmed.acceptanceDueAt,
          })
          .catch((err: unknown) => {
            throw new AppError(
              'UNAVAILABLE',
              "confirmed, but the buyer's acceptance window could not be started: confirm again",
              { retryable: true, cause: err },
            );
          });
      }
      kickReports(c);
      return c.json(confirmed, 200);
    })
    .openapi(route.accept, async (c) => {
      const order = await visibleOrder(c, c.req.param('id'));
      const result = await serviceOf(c).accept({
        orderRef: order.id,
        actor: c.get('principal').id,
      });
      kickReports(c);
      return c.json(result, 200);
    })
    .openapi(route.reject, async (c) => {
      const order = await visibleOrder(c, c.req.param('id'));
      const result = await serviceOf(c).reject({
        orderRef: order.id,
        actor: c.get('principal').id,
        reason: c.req.valid('json').reason,
      });
      kickReports(c);
      return c.json(result, 200);
    })
    .openapi(route.redeliver, async (c) => {
      const order = await visibleOrder(c, c.req.param('id'));
      const result = await serviceOf(c).redeliver({
        orderRef: order.id,
        actor: c.get('principal').id,
      });
      kickReports(c);
      return c.json(result, 200);
    });
}

/** `POST /v1/acceptance-reports?orderId=…&fileName=…`: a seller's acceptance report, streamed. */
export function acceptanceReportRoutes() {
  return resourceRoutes().openapi(acceptanceReportUpload, async (c) => {
    const { orderId, fileName } = c.req.valid('query');
    const order = await visibleOrder(c, orderId);
    const contentType = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    const length = c.req.header('content-length');
    if (length !== undefined && Number(length) > MAX_ACCEPTANCE_REPORT_BYTES) {
      throw new AppError(
        'PACKAGE_TOO_LARGE',
        `an acceptance report is at most ${MAX_ACCEPTANCE_REPORT_BYTES} bytes`,
      );
    }
    const body = c.req.raw.body;
    if (!body) throw new AppError('EMPTY_PACKAGE', 'the request has no body');
    const report = await serviceOf(c).uploadAcceptanceReport({
      orderRef: order.id,
      actor: c.get('principal').id,
      fileName,
      contentType,
      body: Readable.fromWeb(body),
    });
    return c.json(
      {
        sha256: report.sha256,
        sizeBytes: report.sizeBytes,
        fileName: report.fileName,
        contentType: report.contentType,
      },
      201,
    );
  });
}
