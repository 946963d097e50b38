import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { EvidenceDocument } from '../../../src/evidence/document.js';
import { EVIDENCE_HTML_CSP, escapeHtml, renderEvidenceHtml } from '../../../src/evidence/html.js';

const HOSTILE = `<script>alert('x')</script>"><img src=x onerror=alert(1)>&`;

const doc = (o: Partial<EvidenceDocument> = {}): EvidenceDocument => ({
  type: 'oneclick.delivery-evidence',
  version: 1,
  generatedAt: '2025-02-01T00:00:00.000Z',
  issuer: 'https://oneclick.example/',
  order: {
    ref: 'ord_1',
    marketplaceOrderId: 'CS1',
    orderLineId: 'CS1-000001',
    buyerId: 'buy_1',
    sellerId: 'sel_1',
  },
  product: { id: 'prd_1', name: HOSTILE, marketplaceProductId: 'MP-1', skuCode: HOSTILE },
  deployment: {
    id: 'dep_1',
    workflowId: 'deploy-ord_1',
    runId: null,
    state: 'succeeded',
    startedAt: '2025-01-01T00:00:00.000Z',
    finishedAt: '2025-01-01T00:01:00.000Z',
  },
  resources: {
    vpc: { id: 'vpc-1', buyerOwned: true },
    subnet: { id: 'sub-1', buyerOwned: false },
    securityGroup: { id: null, buyerOwned: false },
    server: { id: 'srv-1', buyerOwned: false },
  },
  server: { id: 'srv-1', address: '198.18.0.4', hostKeyFingerprint: 'SHA256:abc+/def' },
  package: { fileName: HOSTILE, sha256: 'ef'.repeat(32), sizeBytes: 12, remotePath: null },
  license: {
    id: 'lic_1',
    model: 'license2',
    status: 'claimed',
    expiresAt: null,
    activatedAt: null,
  },
  steps: [
    {
      step: 'verify',
      status: 'succeeded',
      attempts: 2,
      startedAt: '2025-01-01T00:00:50.000Z',
      endedAt: '2025-01-01T00:00:55.000Z',
    },
  ],
  verify: { outputTail: `</pre>${HOSTILE}` },
  ...o,
});

describe('renderEvidenceHtml', () => {
  it('shows hostile values as text: no element, attribute or entity of theirs survives', () => {
    const page = renderEvidenceHtml(doc(), 'aaa.bbb.ccc');
    expect(page).not.toMatch(/<script/i);
    expect(page).not.toMatch(/<img/i);
    expect(page).toContain(escapeHtml(HOSTILE));
    // Only the page's own closing pre tag: the tail's is escaped.
    expect(page.match(/<\/pre>/g)).toHaveLength(2);
    expect(page).toContain('&lt;/pre&gt;');
  });

  it("says what is missing, which resources were the buyer's, and where the keys are", () => {
    const header = Buffer.from(JSON.stringify({ alg: 'EdDSA', kid: 'kid-1' })).toString(
      'base64url',
    );
    const page = renderEvidenceHtml(doc(), `${header}.e30.c2ln`);
    expect(page).toContain('buyer&#39;s own');
    expect(page).toContain('created by OneClick');
    expect(page).toContain('not yet');
    expect(page).toContain('never');
    expect(page).toContain('https://oneclick.example/.well-known/jwks.json');
    expect(page).toContain('EdDSA');
    expect(page).toContain('kid-1');
    expect(page).toContain(`${header}.e30.c2ln`);
  });

  it('allows exactly its own style by hash and nothing else', () => {
    const page = renderEvidenceHtml(doc(), 'x.y.z');
    const styles = [...page.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1] ?? '');
    expect(styles).toHaveLength(1);
    const hash = createHash('sha256').update(styles[0]!).digest('base64');
    expect(EVIDENCE_HTML_CSP).toContain(`style-src 'sha256-${hash}'`);
    expect(EVIDENCE_HTML_CSP).toContain("default-src 'none'");
    expect(EVIDENCE_HTML_CSP).not.toContain('unsafe');
    expect(page).not.toMatch(/\sstyle=/);
  });
});

describe('escapeHtml', () => {
  it('escapes the five characters that matter in content and attributes', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });
});
