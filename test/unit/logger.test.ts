import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';

describe('logger', () => {
  it('redacts secret fields wherever they sit and keeps the rest', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _e, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    const log = createLogger('info', sink);
    log.info(
      {
        adminPass: 'Pw-1!abc',
        server: { rootPassword: 'Pw-2', name: 'ecs-1' },
        req: { headers: { authorization: 'Bearer ock_x' } },
        code: 'ECS_QUOTA',
      },
      'creating',
    );
    const text = lines.join('');
    expect(text).not.toContain('Pw-1!abc');
    expect(text).not.toContain('Pw-2');
    expect(text).not.toContain('ock_x');
    expect(text).toContain('ecs-1');
    expect(text).toContain('ECS_QUOTA');
    expect(JSON.parse(text)).toMatchObject({
      adminPass: '[REDACTED]',
      server: { rootPassword: '[REDACTED]' },
    });
  });
});
