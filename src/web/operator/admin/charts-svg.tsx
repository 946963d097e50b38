/**
 * Server-rendered SVG charts, no chart library: geometry in SVG attributes, colours and type in
 * classes (operator-admin.css), so the strict CSP (no inline styles) holds. Each chart is an
 * image with a <title> and <desc>; the page puts the same numbers in a table beside it.
 */

/**
 * A round step (1, 2 or 5 × 10ⁿ) for an axis from 0 to at least `max`: the smallest that needs
 * at most `maxTicks` intervals, so the top stays close to the data.
 */
export function niceStep(max: number, maxTicks = 5): number {
  if (!(max > 0)) return 1;
  let power = 10 ** Math.floor(Math.log10(max / maxTicks));
  for (;;) {
    for (const m of [1, 2, 5]) {
      const step = m * power;
      if (Math.ceil(max / step - 1e-9) <= maxTicks) return step;
    }
    power *= 10;
  }
}

/** The axis from 0 to a round top at or above `max`, with its tick values. */
export function axisTicks(max: number, options: { maxTicks?: number; integer?: boolean } = {}) {
  let step = niceStep(max, options.maxTicks ?? 5);
  if (options.integer) step = Math.max(1, Math.ceil(step));
  const top = Math.max(step, Math.ceil(max / step - 1e-9) * step);
  const values: number[] = [];
  for (let i = 0; i * step <= top + step / 2; i++) values.push(Math.round(i * step * 1e6) / 1e6);
  return { top, step, values };
}

const round = (n: number) => Math.round(n * 10) / 10;

export interface Series {
  key: string;
  label: string;
}

export interface StackedBarsProps {
  id: string;
  title: string;
  desc: string;
  /** Category labels along the x axis (e.g. `05-14`). */
  categories: string[];
  series: Series[];
  /** values[category][series] */
  values: number[][];
  /** The tooltip of one segment. */
  segmentTitle: (category: number, series: number) => string;
}

/** Stacked vertical bars: one bar per category, one segment per series (class `s-<key>`). */
export function StackedBars(p: StackedBarsProps) {
  const W = 560;
  const H = 260;
  const left = 36;
  const right = 8;
  const top = 20;
  const bottom = 34;
  const plotW = W - left - right;
  const plotH = H - top - bottom;
  const totals = p.values.map((row) => row.reduce((a, b) => a + b, 0));
  const axis = axisTicks(Math.max(0, ...totals), { integer: true });
  const y = (v: number) => top + plotH - (v / axis.top) * plotH;
  const slot = plotW / Math.max(1, p.categories.length);
  const barW = Math.min(slot * 0.64, 40);
  return (
    <svg
      class="chart stacked"
      viewBox={`0 0 ${W} ${H}`}
      role="img"
      aria-labelledby={`${p.id}-title ${p.id}-desc`}
      id={p.id}
    >
      <title id={`${p.id}-title`}>{p.title}</title>
      <desc id={`${p.id}-desc`}>{p.desc}</desc>
      <g class="grid">
        {axis.values.map((v) => (
          <>
            <line x1={left} x2={W - right} y1={round(y(v))} y2={round(y(v))} />
            <text class="y-label" x={left - 6} y={round(y(v) + 4)} text-anchor="end">
              {String(v)}
            </text>
          </>
        ))}
      </g>
      {p.categories.map((label, i) => {
        const x = left + i * slot + (slot - barW) / 2;
        let base = 0;
        return (
          <g class="bar">
            {p.series.map((s, j) => {
              const v = p.values[i]?.[j] ?? 0;
              if (v <= 0) return <></>;
              const y1 = y(base + v);
              const h = y(base) - y1;
              base += v;
              return (
                <rect
                  class={`s-${s.key}`}
                  x={round(x)}
                  y={round(y1)}
                  width={round(barW)}
                  height={round(h)}
                >
                  <title>{p.segmentTitle(i, j)}</title>
                </rect>
              );
            })}
            {(totals[i] ?? 0) > 0 && (
              <text
                class="total"
                x={round(x + barW / 2)}
                y={round(y(totals[i] ?? 0) - 5)}
                text-anchor="middle"
              >
                {String(totals[i])}
              </text>
            )}
            <text
              class={i % 2 === (p.categories.length - 1) % 2 ? 'x-label' : 'x-label alternate'}
              x={round(x + barW / 2)}
              y={H - bottom + 22}
              text-anchor="middle"
            >
              {label}
            </text>
          </g>
        );
      })}
      <line class="axis" x1={left} x2={W - right} y1={top + plotH} y2={top + plotH} />
    </svg>
  );
}

export interface DurationRow {
  label: string;
  p50: number | null;
  p95: number | null;
}

export interface DurationBarsProps {
  id: string;
  title: string;
  desc: string;
  rows: DurationRow[];
  /** A duration in words, for the axis and the values. */
  format: (seconds: number) => string;
  /** What a row without data shows. */
  noData: string;
  p50Label: string;
  p95Label: string;
}

/**
 * Horizontal bar pairs, one row per step: its label above, then p50 (class `s-p50`) and p95
 * (class `s-p95`), each with its value at the end. Labels above the bars keep the chart readable
 * when it is scaled down to a phone's width.
 */
export function DurationBars(p: DurationBarsProps) {
  const W = 560;
  const left = 4;
  const right = 84;
  const top = 4;
  const rowH = 54;
  const bottom = 30;
  const H = top + p.rows.length * rowH + bottom;
  const plotW = W - left - right;
  const axis = axisTicks(Math.max(0, ...p.rows.map((r) => r.p95 ?? 0)), { maxTicks: 6 });
  const x = (v: number) => left + (v / axis.top) * plotW;
  const plotBottom = top + p.rows.length * rowH;
  return (
    <svg
      class="chart durations"
      viewBox={`0 0 ${W} ${H}`}
      role="img"
      aria-labelledby={`${p.id}-title ${p.id}-desc`}
      id={p.id}
    >
      <title id={`${p.id}-title`}>{p.title}</title>
      <desc id={`${p.id}-desc`}>{p.desc}</desc>
      <g class="grid">
        {axis.values.map((v, i) => (
          <>
            <line x1={round(x(v))} x2={round(x(v))} y1={top} y2={plotBottom} />
            <text
              class="x-tick"
              x={round(x(v))}
              y={plotBottom + 20}
              text-anchor={i === 0 ? 'start' : 'middle'}
            >
              {p.format(v)}
            </text>
          </>
        ))}
      </g>
      {p.rows.map((r, i) => {
        const rowTop = top + i * rowH;
        return (
          <g class="row">
            <text class="step-label" x={left} y={rowTop + 17}>
              {r.label}
            </text>
            {r.p50 === null || r.p95 === null ? (
              <text class="no-data" x={left} y={rowTop + 38}>
                {p.noData}
              </text>
            ) : (
              <>
                <rect
                  class="s-p50"
                  x={left}
                  y={rowTop + 23}
                  width={round(Math.max(1, x(r.p50) - left))}
                  height={11}
                >
                  <title>{`${r.label} ${p.p50Label}: ${p.format(r.p50)}`}</title>
                </rect>
                <text class="value" x={round(x(r.p50) + 4)} y={rowTop + 33}>
                  {p.format(r.p50)}
                </text>
                <rect
                  class="s-p95"
                  x={left}
                  y={rowTop + 37}
                  width={round(Math.max(1, x(r.p95) - left))}
                  height={11}
                >
                  <title>{`${r.label} ${p.p95Label}: ${p.format(r.p95)}`}</title>
                </rect>
                <text class="value" x={round(x(r.p95) + 4)} y={rowTop + 47}>
                  {p.format(r.p95)}
                </text>
              </>
            )}
          </g>
        );
      })}
      <line class="axis" x1={left} x2={left} y1={top} y2={plotBottom} />
    </svg>
  );
}
