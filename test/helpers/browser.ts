import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';

/**
 * The console in a real browser: Debian's chromium (installed by scripts/setup.sh, never a
 * downloaded build) driven by playwright-core, headless with --no-sandbox (we run as root) and a
 * fresh profile per launch. Screenshots go to test-artifacts/console/ (the README names it).
 */

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS = path.resolve(import.meta.dirname, '../../test-artifacts/console');
export const WIDTHS = { desktop: 1280, phone: 390 } as const;

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** Serves a Hono app (or any fetch handler) on a free loopback port. */
export async function serveHttp(
  fetch: (req: Request) => Response | Promise<Response>,
): Promise<{ url: string; close(): Promise<void> }> {
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
}

/** A fresh browser profile (cookies, storage) at the given width; English unless told. */
export function newContext(
  browser: Browser,
  opts: { width?: number; locale?: string } = {},
): Promise<BrowserContext> {
  const width = opts.width ?? WIDTHS.desktop;
  return browser.newContext({
    viewport: { width, height: width < 600 ? 844 : 900 },
    locale: opts.locale ?? 'en-US',
    acceptDownloads: true,
  });
}

/** Signs the page's browser in with an API key through the sign-in form. */
export async function signIn(page: Page, baseUrl: string, apiKey: string): Promise<void> {
  await page.goto(`${baseUrl}/console/sign-in`);
  await page.getByLabel(/API key|API 密钥/).fill(apiKey);
  await page.getByRole('button', { name: /Sign in|登录/ }).click();
  await page.waitForURL((u) => !u.pathname.endsWith('/sign-in'));
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** axe-core run in the page: the serious and critical violations (expected: none). */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  // Evaluated through the DevTools protocol, so the console's CSP (script-src 'self') still holds.
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(async () => {
    const axe = (
      globalThis as unknown as { axe: { run(): Promise<{ violations: AxeViolation[] }> } }
    ).axe;
    return axe.run();
  });
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Fails with the violations named when axe finds a serious or critical one. */
export async function expectAccessible(page: Page): Promise<void> {
  const violations = await axeViolations(page);
  expect(
    violations.map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
    ),
    `axe on ${page.url()}`,
  ).toEqual([]);
}

/** True when the page scrolls sideways (it must not, at 1280 px or 390 px). */
export async function scrollsSideways(page: Page): Promise<boolean> {
  return page.evaluate<boolean>(
    `document.documentElement.scrollWidth > document.documentElement.clientWidth + 1`,
  );
}

/**
 * Looks at the page as a user would at both widths: a full-page screenshot each (named
 * `<name>-desktop.png` and `<name>-phone.png`), no sideways scrolling, and axe at each width.
 * Restores the desktop width afterwards.
 */
export async function lookAt(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  for (const [label, width] of Object.entries(WIDTHS)) {
    await page.setViewportSize({ width, height: width < 600 ? 844 : 900 });
    await page.screenshot({ path: path.join(ARTIFACTS, `${name}-${label}.png`), fullPage: true });
    expect(await scrollsSideways(page), `${name} scrolls sideways at ${width} px`).toBe(false);
    await expectAccessible(page);
  }
  await page.setViewportSize({ width: WIDTHS.desktop, height: 900 });
}
