import { createHash } from 'node:crypto';
import type { EvidenceDocument, EvidenceResource } from './document.js';

/**
 * The evidence as a readable page. Every value is escaped (the `markup` tag below escapes whatever
 * it interpolates unless it is markup the tag made itself), the page has no script, and its one
 * inline style is allowed by hash, so `EVIDENCE_HTML_CSP` can forbid everything else. The tag is
 * not called `html` because Prettier would reformat such templates, changing `<pre>` text and the
 * hashed style.
 */

/** Markup built by `markup`: interpolating it does not escape it again. */
class Markup {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

type Value = string | number | null | undefined | Markup | readonly Markup[];

/** Escapes text for HTML element content and double- or single-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function markup(strings: TemplateStringsArray, ...values: Value[]): Markup {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += render(v) + (strings[i + 1] ?? '');
  });
  return new Markup(out);
}

function render(v: Value): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Markup) return v.text;
  if (Array.isArray(v)) return v.map((m: Markup) => m.text).join('');
  return escapeHtml(String(v));
}

const STYLE = `
body{font:15px/1.5 system-ui,sans-serif;color:#1d232a;background:#f6f7f9;margin:0}
main{max-width:60rem;margin:0 auto;padding:1.5rem}
h1{font-size:1.6rem;margin:0 0 .25rem}
h2{font-size:1.1rem;margin:1.75rem 0 .5rem}
.sub{color:#56606b;margin:0}
section{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:.25rem 1rem 1rem;margin-top:1rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:0}
dt{color:#56606b}dd{margin:0;overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #eceff2;vertical-align:top}
code,pre{font:13px/1.45 ui-monospace,monospace}
pre{background:#f1f3f5;padding:.75rem;overflow:auto;white-space:pre-wrap;overflow-wrap:anywhere;margin:0}
.none{color:#8a939c}
`.trim();

/**
 * The page's Content-Security-Policy: nothing loads, nothing runs, only the page's own style
 * (by hash) applies, no form posts and no framing.
 */
export const EVIDENCE_HTML_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`,
  "img-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const none = (what = 'not recorded') => markup`<span class="none">${what}</span>`;
const text = (v: string | number | null | undefined, empty?: string) =>
  v === null || v === undefined || v === '' ? none(empty) : markup`${v}`;
const mono = (v: string | null | undefined, empty?: string) =>
  v ? markup`<code>${v}</code>` : none(empty);

function list(rows: [string, Markup][]): Markup {
  return markup`<dl>
    ${rows.map(
      ([k, v]) =>
        markup`<dt>${k}</dt>
          <dd>${v}</dd>`,
    )}
  </dl>`;
}

const RESOURCE_NAMES: [keyof EvidenceDocument['resources'], string][] = [
  ['vpc', 'VPC'],
  ['subnet', 'Subnet'],
  ['securityGroup', 'Security group'],
  ['server', 'Server (ECS)'],
];

const owner = (r: EvidenceResource) => (r.buyerOwned ? "buyer's own" : 'created by OneClick');

/** The `alg` and `kid` of a compact JWS header, for the page's signature section. */
function signatureHeader(jws: string): { alg?: string; kid?: string } {
  try {
    const header = JSON.parse(
      Buffer.from(jws.split('.')[0] ?? '', 'base64url').toString('utf8'),
    ) as { alg?: unknown; kid?: unknown };
    return {
      alg: typeof header.alg === 'string' ? header.alg : undefined,
      kid: typeof header.kid === 'string' ? header.kid : undefined,
    };
  } catch {
    return {};
  }
}

const MODEL_NAMES = { license2: 'License 2.0 (authorization code)', license1: 'License 1.0' };

/** The evidence page (a whole HTML document) for a document and its compact JWS. */
export function renderEvidenceHtml(doc: EvidenceDocument, jws: string): string {
  const { alg, kid } = signatureHeader(jws);
  const jwks = doc.issuer ? `${doc.issuer.replace(/\/+$/, '')}/.well-known/jwks.json` : null;
  const page = markup`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Delivery evidence: ${doc.product.name}</title>
<style>${new Markup(STYLE)}</style>
</head>
<body>
<main>
<h1>Delivery evidence</h1>
<p class="sub">${doc.product.name} · order ${doc.order.marketplaceOrderId} · deployment ${doc.deployment.id}</p>
<section>
<h2>Order</h2>
${list([
  ['Product', markup`${doc.product.name} (${doc.product.marketplaceProductId})`],
  ['SKU', text(doc.product.skuCode)],
  ['Marketplace order', mono(doc.order.marketplaceOrderId)],
  ['Order line', mono(doc.order.orderLineId)],
  ['OneClick order', mono(doc.order.ref)],
  ['Buyer', mono(doc.order.buyerId)],
  ['Seller', mono(doc.order.sellerId)],
])}
</section>
<section>
<h2>Deployment</h2>
${list([
  ['Deployment', mono(doc.deployment.id)],
  ['State', text(doc.deployment.state)],
  ['Started', text(doc.deployment.startedAt)],
  ['Finished', text(doc.deployment.finishedAt)],
  ['Workflow', markup`<code>${doc.deployment.workflowId}</code> run ${mono(doc.deployment.runId)}`],
])}
</section>
<section>
<h2>Server</h2>
${list([
  ['Server id', mono(doc.server.id)],
  ['Address', mono(doc.server.address)],
  ['SSH host key', mono(doc.server.hostKeyFingerprint)],
])}
</section>
<section>
<h2>Cloud resources</h2>
<table>
<thead><tr><th>Resource</th><th>Id</th><th>Provenance</th></tr></thead>
<tbody>
${RESOURCE_NAMES.map(([key, name]) => {
  const r = doc.resources[key];
  return markup`<tr><td>${name}</td><td>${mono(r.id)}</td><td>${owner(r)}</td></tr>`;
})}
</tbody>
</table>
</section>
<section>
<h2>Package</h2>
${
  doc.package
    ? list([
        ['File', text(doc.package.fileName)],
        ['SHA-256', mono(doc.package.sha256)],
        ['Size', text(doc.package.sizeBytes === null ? null : `${doc.package.sizeBytes} bytes`)],
        ['On the server', mono(doc.package.remotePath)],
      ])
    : markup`<p>${none()}</p>`
}
</section>
<section>
<h2>License</h2>
${
  doc.license
    ? list([
        ['License', mono(doc.license.id)],
        ['Model', text(MODEL_NAMES[doc.license.model])],
        ['Status', text(doc.license.status)],
        ['Expires', text(doc.license.expiresAt, 'never')],
        ['Activated', text(doc.license.activatedAt, 'not yet')],
      ])
    : markup`<p>${none()}</p>`
}
</section>
<section>
<h2>Steps</h2>
<table>
<thead><tr><th>Step</th><th>Status</th><th>Attempts</th><th>Started</th><th>Ended</th></tr></thead>
<tbody>
${doc.steps.map(
  (s) =>
    markup`<tr><td>${s.step}</td><td>${s.status}</td><td>${s.attempts}</td><td>${s.startedAt}</td><td>${text(s.endedAt, '')}</td></tr>`,
)}
</tbody>
</table>
</section>
<section>
<h2>Verify output</h2>
${doc.verify.outputTail === null ? markup`<p>${none()}</p>` : markup`<pre>${doc.verify.outputTail}</pre>`}
</section>
<section>
<h2>Signature</h2>
<p>This evidence is signed (${alg ?? 'unknown algorithm'}, key <code>${kid ?? 'unknown'}</code>) with the seller's license key.
Check the compact JWS below against the published keys${jwks ? markup` at <code>${jwks}</code>` : ''}; its payload is this evidence as JSON (generated ${doc.generatedAt}).</p>
<pre>${jws}</pre>
</section>
</main>
</body>
</html>
`;
  return page.text;
}
