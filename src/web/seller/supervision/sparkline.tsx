import type { FC } from 'hono/jsx';
import { sparkline, type SparkPoint } from './format.js';

/**
 * A server-rendered sparkline of a generator's checks (oldest at the left): the slowest call of
 * each as a line, each result as a dot. No inline style (CSP): classes from
 * seller-supervision.css colour it. The label says in words what it shows.
 */
export const Sparkline: FC<{ points: readonly SparkPoint[]; label: string }> = ({
  points,
  label,
}) => {
  const s = sparkline(points);
  return (
    <svg
      class="sparkline"
      role="img"
      aria-label={label}
      viewBox={`0 0 ${s.width} ${s.height}`}
      width={s.width}
      height={s.height}
      focusable="false"
    >
      <title>{label}</title>
      <line class="axis" x1="0" y1={s.height - 1} x2={s.width} y2={s.height - 1} />
      {s.dots.length > 1 && <polyline class="trend" points={s.line} fill="none" />}
      {s.dots.map((d) => (
        <circle class={d.passed ? 'dot ok' : 'dot bad'} cx={d.x} cy={d.y} r="3" />
      ))}
    </svg>
  );
};
