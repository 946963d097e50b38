import type { FC } from 'hono/jsx';
import type { MessageKey, Translate } from '../i18n/index.js';
import { DEPLOYMENT_STEPS } from '../../domain/deployment.js';
import { awaitingOf, isFinishedState, liveActivity, mib, stateOf, utcText } from './format.js';
import type { DeploymentView, PendingView, StepView } from './types.js';

/**
 * The deployment's progress panel: every step with its state and attempts, the push's progress
 * bar, the installer's output tail. Rendered whole from the API's answer, by the order page and
 * by its live stream alike, so a reload and a second tab show the same. Contract (benchmarks and
 * tests read it): each step element carries `data-step` and `data-status`, the root
 * `data-deployment-state`.
 */

const TONE: Record<string, string> = {
  succeeded: 'ok',
  failed: 'bad',
  running: 'warn',
  skipped: 'muted',
  pending: 'muted',
  cancelled: 'muted',
};

/** A catalogue key built from data: its text when it exists, else the raw value. */
export function known(t: Translate, key: string, fallback: string): string {
  const text = t(key as MessageKey);
  return text === undefined ? fallback : text;
}

export const stepLabel = (t: Translate, step: string) => known(t, `step.${step}`, step);
export const stepStatusLabel = (t: Translate, status: string) =>
  known(t, `buyer.stepStatus.${status}`, status);

/** The deployment's state in words: a step under way (`Installing`) or how it ended. */
export const deploymentStateLabel = (t: Translate, state: string) =>
  isFinishedState(state)
    ? known(t, `buyer.deploymentState.${state}`, state)
    : t('buyer.deploymentState.running', { step: stepLabel(t, state) });

/** Every step in order, with what the deployment recorded of it (`pending`: not started). */
function stepsOf(d: DeploymentView): StepView[] {
  const recorded = d.live?.steps && d.live.steps.length > 0 ? d.live.steps : d.steps;
  const byName = new Map(recorded.map((s) => [s.step, s]));
  const ordered = DEPLOYMENT_STEPS.map(
    (step): StepView =>
      byName.get(step) ?? {
        step,
        status: 'pending',
        attempts: 0,
        startedAt: '',
        endedAt: null,
        logTail: null,
      },
  );
  // A step this console does not know yet still shows, after the ones it knows.
  const extra = recorded.filter((s) => !(DEPLOYMENT_STEPS as readonly string[]).includes(s.step));
  return [...ordered, ...extra];
}

const Attempts: FC<{ t: Translate; step: StepView; pending: PendingView[] }> = ({
  t,
  step,
  pending,
}) => {
  const now = step.status === 'running' ? pending : [];
  const attempt = Math.max(step.attempts, ...now.map((p) => p.attempt));
  const max = Math.max(0, ...now.map((p) => p.maximumAttempts));
  const failure = now.find((p) => p.lastFailure)?.lastFailure;
  if (attempt <= 0) return null;
  return (
    <>
      <span class="attempts">
        {max > 0
          ? t('buyer.live.attemptOf', { attempt, max })
          : attempt === 1
            ? t('buyer.live.oneAttempt')
            : t('buyer.live.attempts', { count: attempt })}
      </span>
      {failure && (
        <span class="retry-why">{t('buyer.live.lastFailure', { message: failure })}</span>
      )}
    </>
  );
};

/** The panel's root and everything in it (the live stream sends exactly this). */
export const LivePanel: FC<{ t: Translate; deployment: DeploymentView }> = ({ t, deployment }) => {
  const state = stateOf(deployment);
  const awaiting = awaitingOf(deployment);
  const activity = liveActivity(deployment.live);
  const pending = deployment.live?.pending ?? [];
  const failure = deployment.failure ?? deployment.live?.failure;
  const pushing =
    activity?.bytesSent !== undefined && (activity.step === undefined || activity.step === 'push');
  const tail = activity?.outputTail;
  const summary = deploymentStateLabel(t, state);
  return (
    <div
      class="deploy-panel"
      data-deployment-state={state}
      data-finished={isFinishedState(state) ? 'true' : 'false'}
      data-awaiting={awaiting ?? ''}
      data-summary={summary}
    >
      <p class="deploy-state">
        <span class={`badge ${TONE[state] ?? 'warn'}`}>{summary}</span>
        {awaiting === 'hardwareId' && (
          <span class="awaiting"> {t('buyer.live.awaitingHardwareId')}</span>
        )}
      </p>
      {failure && (
        <p class="notice bad">
          {t('buyer.live.failure', { code: failure.code, message: failure.message })}
        </p>
      )}
      <ol class="steps">
        {stepsOf(deployment).map((s) => (
          <li class={`step ${s.status}`} data-step={s.step} data-status={s.status}>
            <span class="step-name">{stepLabel(t, s.step)}</span>
            <span class={`badge ${TONE[s.status] ?? 'muted'}`}>{stepStatusLabel(t, s.status)}</span>
            <Attempts t={t} step={s} pending={pending} />
            {s.status === 'failed' && s.logTail && <span class="step-tail mono">{s.logTail}</span>}
          </li>
        ))}
      </ol>
      {pushing && activity?.bytesSent !== undefined && (
        <div class="push">
          <label for="push-bar">{t('buyer.live.push')}</label>
          {activity.totalBytes ? (
            <progress id="push-bar" max={activity.totalBytes} value={activity.bytesSent}>
              {mib(activity.bytesSent)}
            </progress>
          ) : (
            <progress id="push-bar"></progress>
          )}
          <p class="push-text">
            {activity.totalBytes
              ? t('buyer.live.pushOf', {
                  sent: mib(activity.bytesSent),
                  total: mib(activity.totalBytes),
                })
              : t('buyer.live.pushSent', { sent: mib(activity.bytesSent) })}
            {activity.bytesPerSecond !== undefined &&
              `${t('buyer.live.separator')}${t('buyer.live.rate', { rate: mib(activity.bytesPerSecond) })}`}
          </p>
        </div>
      )}
      {tail !== undefined && tail !== '' && (
        <div class="output">
          <p class="output-title" id="output-title">
            {t('buyer.live.output', {
              step: stepLabel(t, activity?.step ?? state),
            })}
            {activity?.at && (
              <>
                {' '}
                <time datetime={activity.at}>{utcText(activity.at)}</time>
              </>
            )}
          </p>
          <pre aria-live="off" tabindex={0} aria-labelledby="output-title">
            {tail}
          </pre>
        </div>
      )}
    </div>
  );
};

/** The panel as the HTML the live stream sends. */
export async function livePanelHtml(t: Translate, deployment: DeploymentView): Promise<string> {
  const html = await (<LivePanel t={t} deployment={deployment} />);
  return html.toString();
}
