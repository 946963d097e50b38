import type { Context } from 'hono';
import type { FC } from 'hono/jsx';
import type { WebEnv } from '../../context.js';
import type { MessageKey, Translate } from '../../i18n/index.js';
import { CsrfField, Field, describedBy, page } from '../../layout.js';
import { csrfToken } from '../../csrf.js';
import { newFormKey } from '../../api-client.js';
import type { buildTimeline } from '../../../api/routes/deployments-operator-timeline.js';
import { BASE, stepLabel, statusLabel } from './list.js';
import { formatDuration, formatTime, listSearch, toneOf } from './format.js';

/**
 * One deployment as an operator reads it: what OneClick recorded, how its workflow run went, each
 * step with the activities Temporal's history shows for it (attempts, durations, decoded failures),
 * a link into the Temporal UI, and the actions that apply (retry, cancel, terminate), each
 * confirmed before it is sent.
 */

export type Timeline = ReturnType<typeof buildTimeline>;
type Step = Timeline['steps'][number];
type Activity = Step['activities'][number];
export type Action = 'retry' | 'cancel' | 'terminate';

export interface DetailOptions {
  /** What the last action did (post/redirect/get), shown as a status message. */
  notice?: string;
  /** Why the last action was refused: beside its reason field, or at the top. */
  refused?: { action: Action; message: string; onReason: boolean };
}

const ENDED = new Set(['succeeded', 'failed', 'cancelled']);

/** The deployment's status (`running` while it is at a step) in words, as a badge. */
const StateBadge: FC<{ t: Translate; state: string }> = ({ t, state }) => {
  const status = ENDED.has(state) ? state : 'running';
  return (
    <>
      <span class={toneOf(status)}>{statusLabel(t, status)}</span>
      {status === 'running' && <> · {stepLabel(t, state)}</>}
    </>
  );
};

const Failure: FC<{ failure: { type?: string; code?: string; message: string } | null }> = ({
  failure,
}) =>
  failure ? (
    <>
      <code>{failure.type ?? failure.code}</code>{' '}
      <span class="failure-text">{failure.message}</span>
    </>
  ) : null;

/** Why and by whom a run was cancelled or terminated, as far as its history says. */
function byWhom(t: Translate, who: { reason: string | null; identity: string | null }): string {
  const identity = who.identity ?? '—';
  return who.reason
    ? t('operator.deployments.detail.byWhom', { reason: who.reason, identity })
    : t('operator.deployments.detail.by', { identity });
}

/** The Temporal UI's page of this run, when the UI is configured. */
export function temporalLink(
  ui: { url: string; namespace: string } | undefined,
  workflowId: string,
  runId: string | null,
): string | undefined {
  if (!ui) return undefined;
  const base = `${ui.url.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(ui.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${encodeURIComponent(runId)}/history` : base;
}

const ActivityTable: FC<{ t: Translate; id: string; caption: string; activities: Activity[] }> = ({
  t,
  id,
  caption,
  activities,
}) => (
  <div class="table-wrap" tabindex={0} role="region" aria-labelledby={id}>
    <table class="activities">
      <caption id={id}>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">{t('operator.deployments.act.col.activity')}</th>
          <th scope="col">{t('operator.deployments.act.col.outcome')}</th>
          <th scope="col">{t('operator.deployments.act.col.attempts')}</th>
          <th scope="col">{t('operator.deployments.act.col.started')}</th>
          <th scope="col">{t('operator.deployments.act.col.duration')}</th>
          <th scope="col">{t('operator.deployments.act.col.failure')}</th>
        </tr>
      </thead>
      <tbody>
        {activities.map((a) => (
          <tr data-outcome={a.outcome}>
            <th scope="row">
              <code>{a.activity}</code>
              {a.local && <span class="id-note"> ({t('operator.deployments.act.local')})</span>}
            </th>
            <td>
              <span class={toneOf(a.outcome)}>
                {t(`operator.deployments.outcome.${a.outcome}` as MessageKey) || a.outcome}
              </span>
            </td>
            <td>{a.attempts}</td>
            <td>{a.startedAt && <time datetime={a.startedAt}>{formatTime(a.startedAt)}</time>}</td>
            <td>{formatDuration(t, a.durationMs)}</td>
            <td class="failure-cell">
              <Failure failure={a.failure} />
              {a.lastFailure && (!a.failure || a.lastFailure.message !== a.failure.message) && (
                <p class="last-failure">
                  {t('operator.deployments.act.lastFailure', {
                    message: `${a.lastFailure.type}: ${a.lastFailure.message}`,
                  })}
                </p>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  </div>
);

const StepItem: FC<{ t: Translate; step: Step }> = ({ t, step }) => {
  const label = stepLabel(t, step.step);
  return (
    <li class={`step step-${step.status}`} id={`step-${step.step}`}>
      <h3>
        {label}{' '}
        <span class={toneOf(step.status)}>
          {t(`operator.deployments.stepStatus.${step.status}` as MessageKey) || step.status}
        </span>
      </h3>
      <dl class="step-facts">
        <div>
          <dt>{t('operator.deployments.timeline.attempts')}</dt>
          <dd>{step.attempts}</dd>
        </div>
        <div>
          <dt>{t('operator.deployments.timeline.started')}</dt>
          <dd>
            <time datetime={step.startedAt}>{formatTime(step.startedAt)}</time>
          </dd>
        </div>
        {step.endedAt && (
          <div>
            <dt>{t('operator.deployments.timeline.ended')}</dt>
            <dd>
              <time datetime={step.endedAt}>{formatTime(step.endedAt)}</time>
            </dd>
          </div>
        )}
        {step.endedAt && (
          <div>
            <dt>{t('operator.deployments.timeline.duration')}</dt>
            <dd>{formatDuration(t, step.durationMs)}</dd>
          </div>
        )}
      </dl>
      {step.logTail && (
        <details open={step.status === 'failed'}>
          <summary>{t('operator.deployments.timeline.output')}</summary>
          <pre>{step.logTail}</pre>
        </details>
      )}
      {step.activities.length > 0 ? (
        <ActivityTable
          t={t}
          id={`activities-${step.step}`}
          caption={t('operator.deployments.timeline.activities', { step: label })}
          activities={step.activities}
        />
      ) : (
        <p class="id-note">{t('operator.deployments.timeline.noActivities')}</p>
      )}
    </li>
  );
};

const ActionForm: FC<{
  t: Translate;
  c: Context<WebEnv>;
  id: string;
  action: Action;
  refused: DetailOptions['refused'];
}> = ({ t, c, id, action, refused }) => {
  const name = `${action}-reason`;
  const error = refused?.action === action && refused.onReason ? refused.message : undefined;
  const required = action === 'terminate';
  const hintId = `${action}-hint`;
  return (
    <form
      method="post"
      action={`${BASE}/${encodeURIComponent(id)}/${action}`}
      class={`action action-${action}`}
      data-confirm={t(`operator.deployments.${action}.confirm`)}
      aria-labelledby={`${action}-title`}
    >
      <h3 id={`${action}-title`}>{t(`operator.deployments.${action}`)}</h3>
      <CsrfField token={csrfToken(c)} />
      <input type="hidden" name="_idem" value={newFormKey()} />
      <p class="hint" id={hintId}>
        {t(`operator.deployments.${action}.hint`)}
      </p>
      <Field
        name={name}
        label={t(required ? 'operator.deployments.reasonRequired' : 'operator.deployments.reason')}
        error={error}
      >
        <input
          id={`f-${name}`}
          name="reason"
          type="text"
          maxlength={500}
          required={required}
          autocomplete="off"
          aria-invalid={error ? 'true' : undefined}
          aria-describedby={describedBy(name, error)}
        />
      </Field>
      <button
        type="submit"
        class={action === 'terminate' ? 'danger' : action === 'cancel' ? 'secondary' : undefined}
        aria-describedby={hintId}
      >
        {t(`operator.deployments.${action}`)}
      </button>
    </form>
  );
};

/** The deployment page: its timeline, the outcome of the last action, the actions that apply. */
export function detailPage(
  c: Context<WebEnv>,
  tl: Timeline,
  options: DetailOptions = {},
  status: 200 | 400 | 409 | 422 = 200,
) {
  const t = c.get('t');
  const id = tl.deploymentId;
  const ended = ENDED.has(tl.state);
  const actions: Action[] =
    tl.state === 'succeeded' ? [] : ended ? ['retry'] : ['cancel', 'terminate'];
  const link = temporalLink(c.get('deps').temporalUi, tl.workflowId, tl.runId);
  const refusedAtTop = options.refused && !options.refused.onReason;
  const run = tl.run;
  return page(
    c,
    {
      title: t('operator.deployments.detail.title', { id }),
      styles: ['operator-deployments.css'],
      children: (
        <>
          <p class="crumbs">
            <a href={BASE}>{t('operator.deployments.detail.back')}</a>
            {' · '}
            <a href={`${BASE}${listSearch({ orderId: tl.orderRef })}`}>
              {t('operator.deployments.detail.ofOrder')}
            </a>
            {' · '}
            <a href={`${BASE}/${encodeURIComponent(id)}`}>
              {t('operator.deployments.detail.refresh')}
            </a>
          </p>
          {options.notice && (
            <p class="notice ok" role="status">
              {options.notice}
            </p>
          )}
          {refusedAtTop && (
            <p class="notice bad" role="alert">
              {options.refused!.message}
            </p>
          )}
          <h2>{t('operator.deployments.detail.summary')}</h2>
          <dl class="facts">
            <dt>{t('operator.deployments.detail.state')}</dt>
            <dd>
              <StateBadge t={t} state={tl.state} />
            </dd>
            {tl.failure && (
              <>
                <dt>{t('operator.deployments.detail.failure')}</dt>
                <dd class="failure-cell">
                  <Failure failure={tl.failure} />
                </dd>
              </>
            )}
            <dt>{t('operator.deployments.detail.order')}</dt>
            <dd class="mono">{tl.orderRef}</dd>
            <dt>{t('operator.deployments.detail.workflow')}</dt>
            <dd class="mono">{tl.workflowId}</dd>
            <dt>{t('operator.deployments.detail.run')}</dt>
            <dd class="mono">{tl.runId ?? '—'}</dd>
            <dt>{t('operator.deployments.detail.started')}</dt>
            <dd>
              <time datetime={tl.createdAt}>{formatTime(tl.createdAt)}</time>
            </dd>
            {tl.finishedAt && (
              <>
                <dt>{t('operator.deployments.detail.finished')}</dt>
                <dd>
                  <time datetime={tl.finishedAt}>{formatTime(tl.finishedAt)}</time>
                </dd>
                <dt>{t('operator.deployments.detail.duration')}</dt>
                <dd>{formatDuration(t, tl.durationMs)}</dd>
              </>
            )}
            {run && (
              <>
                <dt>{t('operator.deployments.detail.runOutcome')}</dt>
                <dd>
                  <span class={toneOf(run.outcome)}>
                    {t(`operator.deployments.run.${run.outcome}` as MessageKey) || run.outcome}
                  </span>
                  {run.durationMs !== null && <> · {formatDuration(t, run.durationMs)}</>}
                </dd>
              </>
            )}
            {run?.failure && (
              <>
                <dt>{t('operator.deployments.detail.runFailure')}</dt>
                <dd class="failure-cell run-failure">
                  <Failure failure={run.failure} />
                </dd>
              </>
            )}
            {run?.cancelRequested && (
              <>
                <dt>{t('operator.deployments.detail.cancelRequested')}</dt>
                <dd>{byWhom(t, run.cancelRequested)}</dd>
              </>
            )}
            {run?.terminated && (
              <>
                <dt>{t('operator.deployments.detail.terminated')}</dt>
                <dd>{byWhom(t, run.terminated)}</dd>
              </>
            )}
          </dl>
          {link && (
            <p>
              <a href={link} target="_blank" rel="noopener noreferrer">
                {t('operator.deployments.detail.temporal')}
                <span class="visually-hidden">
                  {' '}
                  {t('operator.deployments.detail.temporalNewTab')}
                </span>
              </a>
            </p>
          )}
          {!run && tl.runId && <p class="notice">{t('operator.deployments.detail.noHistory')}</p>}

          <h2>{t('operator.deployments.actions')}</h2>
          {actions.length === 0 ? (
            <p>{t('operator.deployments.actions.none')}</p>
          ) : (
            <div class="actions">
              {actions.map((action) => (
                <ActionForm t={t} c={c} id={id} action={action} refused={options.refused} />
              ))}
            </div>
          )}

          <h2>{t('operator.deployments.timeline')}</h2>
          <p>{t('operator.deployments.timeline.intro')}</p>
          {tl.steps.length === 0 ? (
            <p>{t('operator.deployments.timeline.empty')}</p>
          ) : (
            <ol class="timeline">
              {tl.steps.map((s) => (
                <StepItem t={t} step={s} />
              ))}
            </ol>
          )}
          {tl.otherActivities.length > 0 && (
            <>
              <h2>{t('operator.deployments.timeline.other')}</h2>
              <p>{t('operator.deployments.timeline.otherIntro')}</p>
              <ActivityTable
                t={t}
                id="activities-other"
                caption={t('operator.deployments.timeline.otherCaption')}
                activities={tl.otherActivities}
              />
            </>
          )}
        </>
      ),
    },
    status,
  );
}
