import type { Context } from 'hono';
import type { WebEnv } from '../../context.js';
import type { MessageKey, Translate } from '../../i18n/index.js';
import { page } from '../../layout.js';
import { apiErrorPage } from '../../pages/errors.js';
import { DurationBars, StackedBars, type Series } from './charts-svg.js';
import { ADMIN_ASSETS, formatSeconds } from './shared.js';

/**
 * Charts where people would rather look than read (GET /v1/deployment-stats): deployments per
 * day by outcome over the last 14 days, and p50/p95 duration per step over the last 7. Each chart
 * is followed by a table of the same numbers.
 */

interface Stats {
  perDay: {
    days: number;
    items: { day: string; succeeded: number; failed: number; cancelled: number; running: number }[];
  };
  stepDurations: {
    days: number;
    items: { step: string; count: number; p50Seconds: number | null; p95Seconds: number | null }[];
  };
}

const OUTCOMES = ['succeeded', 'failed', 'cancelled', 'running'] as const;
const stepLabel = (t: Translate, step: string) => t(`step.${step}` as MessageKey) ?? step;

function perDayChart(t: Translate, perDay: Stats['perDay']) {
  const items = perDay.items;
  const series: Series[] = OUTCOMES.map((o) => ({
    key: o,
    label: t(`operator.admin.charts.outcome.${o}`),
  }));
  const totals = Object.fromEntries(
    OUTCOMES.map((o) => [o, items.reduce((n, d) => n + d[o], 0)] as const),
  ) as Record<(typeof OUTCOMES)[number], number>;
  const all = OUTCOMES.reduce((n, o) => n + totals[o], 0);
  const busiest = items.reduce<(typeof items)[number] | undefined>((best, d) => {
    const n = OUTCOMES.reduce((s, o) => s + d[o], 0);
    const b = best ? OUTCOMES.reduce((s, o) => s + best[o], 0) : -1;
    return n > b ? d : best;
  }, undefined);
  const first = items[0]?.day ?? '';
  const last = items.at(-1)?.day ?? '';
  const desc = t('operator.admin.charts.perDay.desc', {
    first,
    last,
    total: all,
    succeeded: totals.succeeded,
    failed: totals.failed,
    cancelled: totals.cancelled,
    running: totals.running,
    busiest: busiest?.day ?? '',
  });
  const title = t('operator.admin.charts.perDay.title', { days: perDay.days });
  return (
    <section aria-labelledby="per-day-heading">
      <h2 id="per-day-heading">{title}</h2>
      <p class="hint">{t('operator.admin.charts.perDay.about')}</p>
      {all === 0 ? (
        <p class="notice">{t('operator.admin.charts.perDay.none', { days: perDay.days })}</p>
      ) : (
        <figure class="chart-figure">
          <StackedBars
            id="chart-per-day"
            title={title}
            desc={desc}
            categories={items.map((d) => d.day.slice(5))}
            series={series}
            values={items.map((d) => OUTCOMES.map((o) => d[o]))}
            segmentTitle={(i, j) =>
              `${items[i]?.day ?? ''}: ${items[i]?.[OUTCOMES[j]!] ?? 0} ${series[j]?.label ?? ''}`
            }
          />
          <ul class="legend" aria-hidden="true">
            {series.map((s) => (
              <li>
                <span class={`swatch s-${s.key}`}></span>
                {s.label}
              </li>
            ))}
          </ul>
        </figure>
      )}
      {/* Focusable: on a phone the table scrolls sideways inside its box. */}
      <div
        class="table-wrap numbers-wrap"
        tabindex={0}
        role="region"
        aria-labelledby="per-day-numbers"
      >
        <table class="numbers">
          <caption id="per-day-numbers">{t('operator.admin.charts.perDay.numbers')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('operator.admin.charts.day')}</th>
              {series.map((s) => (
                <th scope="col" class="num">
                  {s.label}
                </th>
              ))}
              <th scope="col" class="num">
                {t('operator.admin.charts.total')}
              </th>
            </tr>
          </thead>
          <tbody>
            {[...items].reverse().map((d) => (
              <tr>
                <th scope="row">
                  <time datetime={d.day}>{d.day}</time>
                </th>
                {OUTCOMES.map((o) => (
                  <td class="num">{d[o]}</td>
                ))}
                <td class="num">{OUTCOMES.reduce((n, o) => n + d[o], 0)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function durationChart(t: Translate, durations: Stats['stepDurations']) {
  const format = (s: number) => formatSeconds(t, s);
  const rows = durations.items.map((s) => ({
    label: stepLabel(t, s.step),
    p50: s.p50Seconds,
    p95: s.p95Seconds,
    count: s.count,
  }));
  const measured = rows.filter((r) => r.p95 !== null);
  const slowest = measured.reduce<(typeof rows)[number] | undefined>(
    (best, r) => ((r.p95 ?? 0) > (best?.p95 ?? -1) ? r : best),
    undefined,
  );
  const title = t('operator.admin.charts.durations.title', { days: durations.days });
  const desc = slowest
    ? t('operator.admin.charts.durations.desc', {
        steps: measured.length,
        slowest: slowest.label,
        p50: format(slowest.p50 ?? 0),
        p95: format(slowest.p95 ?? 0),
      })
    : t('operator.admin.charts.durations.none', { days: durations.days });
  const p50Label = t('operator.admin.charts.p50');
  const p95Label = t('operator.admin.charts.p95');
  return (
    <section aria-labelledby="durations-heading">
      <h2 id="durations-heading">{title}</h2>
      <p class="hint">{t('operator.admin.charts.durations.about')}</p>
      {measured.length === 0 ? (
        <p class="notice">{desc}</p>
      ) : (
        <figure class="chart-figure">
          <DurationBars
            id="chart-durations"
            title={title}
            desc={desc}
            rows={rows}
            format={format}
            noData={t('operator.admin.charts.noData')}
            p50Label={p50Label}
            p95Label={p95Label}
          />
          <ul class="legend" aria-hidden="true">
            <li>
              <span class="swatch s-p50"></span>
              {p50Label}
            </li>
            <li>
              <span class="swatch s-p95"></span>
              {p95Label}
            </li>
          </ul>
        </figure>
      )}
      <div
        class="table-wrap numbers-wrap"
        tabindex={0}
        role="region"
        aria-labelledby="durations-numbers"
      >
        <table class="numbers">
          <caption id="durations-numbers">{t('operator.admin.charts.durations.numbers')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('operator.admin.charts.step')}</th>
              <th scope="col" class="num">
                {t('operator.admin.charts.count')}
              </th>
              <th scope="col" class="num">
                {p50Label}
              </th>
              <th scope="col" class="num">
                {p95Label}
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr>
                <th scope="row">{r.label}</th>
                <td class="num">{r.count}</td>
                <td class="num">{r.p50 === null ? '—' : format(r.p50)}</td>
                <td class="num">{r.p95 === null ? '—' : format(r.p95)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

async function chartsPage(c: Context<WebEnv>) {
  const t = c.get('t');
  const answer = await c.get('api').get<Stats>('/v1/deployment-stats', { days: 14, stepDays: 7 });
  if (!answer.ok) return apiErrorPage(c, answer.error, answer.status);
  return page(c, {
    title: t('nav.operator.charts'),
    ...ADMIN_ASSETS,
    children: (
      <>
        {perDayChart(t, answer.body.perDay)}
        {durationChart(t, answer.body.stepDurations)}
      </>
    ),
  });
}

export { chartsPage };
