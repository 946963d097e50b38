import { describe, expect, it } from 'vitest';
import { temporalLink } from '../../../../../src/web/operator/deployments/timeline.js';

describe('operator deployment timeline page', () => {
  it("links a run's history in the Temporal UI when the UI is configured", () => {
    const ui = { url: 'https://temporal.example/', namespace: 'prod ns' };
    expect(temporalLink(ui, 'deploy-ord_1', 'run-1')).toBe(
      'https://temporal.example/namespaces/prod%20ns/workflows/deploy-ord_1/run-1/history',
    );
    expect(temporalLink(ui, 'deploy-ord_1', null)).toBe(
      'https://temporal.example/namespaces/prod%20ns/workflows/deploy-ord_1',
    );
    expect(temporalLink(undefined, 'deploy-ord_1', 'run-1')).toBeUndefined();
  });
});
