import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runOneClick } from '../helpers/oneclick-process.js';

/** `oneclick demo` as the README shows it: both license models through to `completed`. */
describe('oneclick demo', () => {
  it('plays both license models to completed and leaves nothing behind', async () => {
    const demo = runOneClick(['demo'], { LOG_LEVEL: 'warn' });
    const code = await demo.exited;
    const out = demo.output();
    expect(code, out).toBe(0);
    expect(out).toContain('activate PL-');
    expect(out).toMatch(
      /license2 supervision: awaiting_delivery → code_claimed → activated → proof_uploaded → completed/,
    );
    expect(out).toMatch(
      /license1 supervision: awaiting_hardware_id → awaiting_delivery → seller_confirmed → accepted → completed/,
    );
    expect(out).toContain('Completed: license2, license1');
    const dataDir = /OneClick demo \(data in (\S+)\)/.exec(out)![1]!;
    expect(existsSync(dataDir)).toBe(false);
  }, 600_000);
});
