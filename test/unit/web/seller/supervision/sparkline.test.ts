import { Hono } from 'hono';
import { jsx } from 'hono/jsx';
import { describe, expect, it } from 'vitest';
import type { SparkPoint } from '../../../../../src/web/seller/supervision/format.js';
import { Sparkline } from '../../../../../src/web/seller/supervision/sparkline.js';

/** The sparkline as a page would send it. */
const rendered = async (points: SparkPoint[], label: string) =>
  (
    await new Hono()
      .get('/', (c) => c.html(jsx(Sparkline, { points, label }).toString()))
      .request('/')
  ).text();

describe('health sparkline', () => {
  it('renders an SVG image named in words, with a dot per check and no inline style', async () => {
    const html = await rendered(
      [
        { ms: 120, passed: true },
        { ms: 40, passed: false },
      ],
      '2 checks, 1 passed',
    );
    expect(html).toMatch(/^<svg class="sparkline" role="img" aria-label="2 checks, 1 passed"/);
    expect(html).toContain('<title>2 checks, 1 passed</title>');
    expect(html.match(/<circle /g)).toHaveLength(2);
    expect(html).toContain('class="dot bad"');
    expect(html).toContain('<polyline class="trend"');
    expect(html).not.toContain('style=');
  });

  it('draws no line for a single check', async () => {
    const html = await rendered([{ ms: 5, passed: true }], 'one');
    expect(html).not.toContain('<polyline');
    expect(html.match(/<circle /g)).toHaveLength(1);
  });
});
