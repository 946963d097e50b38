import { describe, expect, inject, it } from 'vitest';
import { startDevServer } from '../../../src/temporal/dev-server.js';

describe('embedded dev server: the Web UI and the remote codec', () => {
  it("points the Web UI at the given codec endpoint (the UI server's own settings say so)", async () => {
    const endpoint = 'http://127.0.0.1:18080/codec';
    const dev = await startDevServer({
      cliPath: inject('temporalCliPath'),
      uiPort: 0,
      uiCodecEndpoint: endpoint,
    });
    try {
      expect(dev.uiUrl).toBeDefined();
      // What the browser UI reads at start-up to decide where to send payloads.
      const res = await fetch(`${dev.uiUrl}/api/v1/settings`);
      expect(res.status).toBe(200);
      const settings = (await res.json()) as { Codec?: { Endpoint?: string } };
      expect(settings.Codec?.Endpoint).toBe(endpoint);
    } finally {
      await dev.stop();
    }
  });
});
