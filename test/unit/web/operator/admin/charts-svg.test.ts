import { describe, expect, it } from 'vitest';
import {
  axisTicks,
  DurationBars,
  niceStep,
  StackedBars,
} from '../../../../../src/web/operator/admin/charts-svg.js';

const render = (node: unknown) => String(node);
const count = (html: string, pattern: RegExp) => (html.match(pattern) ?? []).length;

describe('chart axes', () => {
  it('picks round steps that keep the top close to the data', () => {
    expect(niceStep(3)).toBe(1);
    expect(niceStep(13)).toBe(5);
    expect(niceStep(107, 6)).toBe(20);
    expect(niceStep(0.4)).toBe(0.1);
    expect(niceStep(0)).toBe(1);
    expect(axisTicks(3, { integer: true })).toEqual({ top: 3, step: 1, values: [0, 1, 2, 3] });
    expect(axisTicks(107, { maxTicks: 6 }).top).toBe(120);
    expect(axisTicks(0.4).values).toEqual([0, 0.1, 0.2, 0.3, 0.4]);
    expect(axisTicks(0, { integer: true })).toEqual({ top: 1, step: 1, values: [0, 1] });
  });
});

describe('StackedBars', () => {
  const chart = render(
    StackedBars({
      id: 'c1',
      title: 'Per day <b>',
      desc: 'Two days & more',
      categories: ['05-13', '05-14'],
      series: [
        { key: 'succeeded', label: 'Succeeded' },
        { key: 'failed', label: 'Failed' },
      ],
      values: [
        [2, 0],
        [1, 1],
      ],
      segmentTitle: (i, j) => `segment ${i}-${j}`,
    }),
  );

  it('is an image named by its title and described by its desc, text escaped', () => {
    expect(chart).toMatch(/^<svg[^>]* role="img" aria-labelledby="c1-title c1-desc"/);
    expect(chart).toContain('<title id="c1-title">Per day &lt;b&gt;</title>');
    expect(chart).toContain('<desc id="c1-desc">Two days &amp; more</desc>');
  });

  it('draws one segment per non-zero value, stacked to the bar total, with no inline style', () => {
    expect(count(chart, /<rect class="s-succeeded"/g)).toBe(2);
    expect(count(chart, /<rect class="s-failed"/g)).toBe(1);
    expect(chart).not.toContain('style=');
    const heights = [
      ...chart.matchAll(
        /<rect class="s-\w+" x="[\d.]+" y="[\d.]+" width="[\d.]+" height="([\d.]+)"/g,
      ),
    ].map((m) => Number(m[1]));
    // Both bars total 2: the first is one segment, the second two segments of half its height.
    expect(heights[0]).toBeCloseTo(heights[1]! + heights[2]!, 0);
    expect(heights[1]).toBeCloseTo(heights[2]!, 1);
    expect(chart).toContain('<title>segment 1-1</title>');
    expect(count(chart, /class="x-label[^"]*"/g)).toBe(2);
    // The newest day's label always shows; every other one may hide on a phone.
    expect(chart).toMatch(/class="x-label"[^>]*>05-14</);
  });
});

describe('DurationBars', () => {
  it('draws p50 and p95 for measured steps and says when a step has no data', () => {
    const chart = render(
      DurationBars({
        id: 'c2',
        title: 'Durations',
        desc: 'Slowest: push',
        rows: [
          { label: 'Push', p50: 30, p95: 90 },
          { label: 'SSH', p50: null, p95: null },
        ],
        format: (s) => `${s} s`,
        noData: 'no data',
        p50Label: 'p50',
        p95Label: 'p95',
      }),
    );
    expect(count(chart, /<rect class="s-p50"/g)).toBe(1);
    expect(count(chart, /<rect class="s-p95"/g)).toBe(1);
    expect(chart).toContain('>no data</text>');
    expect(chart).toContain('<title>Push p95: 90 s</title>');
    expect(chart).not.toContain('style=');
  });
});
