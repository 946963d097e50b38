import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { AppError } from '../../src/errors.js';
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

describe('logger redaction', () => {
  const capture = () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _e, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    return { log: createLogger('trace', sink), text: () => lines.join('') };
  };

  it('redacts every secret field the API accepts, at any depth and in any case', () => {
    const { log, text } = capture();
    const secrets = {
      adminPassword: 'S1-adminPassword',
      body: {
        deployment: {
          order: { request: { adminPassword: 'S2-deep-admin', server: { username: 'root' } } },
        },
        key: { pem: 'S3-pem', pkcs12Base64: 'S4-p12', passphrase: 'S5-pass' },
        generator: { accessKey: 'S6-accessKey', url: 'https://gen.example.com/' },
        credentials: [{ ak: 'AK-visible', sk: 'S7-sk' }, { secretKey: 'S8-secretKey' }],
        license: { licenseCode: 'S9-code', license: 'S10-license' },
        nested: { a: { b: { c: { d: { e: { f: { password: 'S11-very-deep' } } } } } } },
        new_password: 'S12-snake',
      },
      headers: { Authorization: 'Bearer S13-bearer', 'X-Api-Key': 'S14-xkey', cookie: 'S15' },
      map: new Map([['privateKey', 'S16-private']]),
    };
    log.info(secrets, 'request');
    log.child({ token: 'S17-binding' }).warn({ ok: true }, 'child line');
    const out = text();
    expect(out).not.toMatch(/S\d+-/);
    expect(out).not.toContain('S15');
    expect(out).toContain('AK-visible');
    expect(out).toContain('https://gen.example.com/');
    expect(out).toContain('root');
    const first = JSON.parse(out.split('\n')[0]!) as {
      body: { deployment: { order: { request: { adminPassword: string } } } };
    };
    expect(first.body.deployment.order.request.adminPassword).toBe('[REDACTED]');
  });

  it('logs installer and verify output only as its length, also inside failures', () => {
    const { log, text } = capture();
    const tail = 'db password is hunter2-SECRET\nlicense ok';
    const failed = new AppError('COMMAND_FAILED', `installer on srv-1 failed (exit 3)\n${tail}`, {
      context: { serverId: 'srv-1', exitCode: 3, tail },
    });
    log.error({ err: failed }, 'installer failed');
    log.error(failed);
    log.warn(
      { error: new ApplicationFailure(failed.message, 'COMMAND_FAILED', true) },
      'Activity failed',
    );
    log.info({ result: { exitCode: 0, tail, outputBytes: 40 }, step: { logTail: tail } }, 'ran');
    const wrapped = new AppError('DELIVERY_FAILED', 'delivery failed', { cause: failed });
    log.error({ err: wrapped }, 'delivery');
    const out = text();
    expect(out).not.toContain('hunter2');
    expect(out).toContain('srv-1');
    expect(out).toContain('"exitCode":3');
    expect(out).toContain('COMMAND_FAILED');
    expect(out).toContain(`[output: ${tail.length} chars]`);
    expect(out.trim().split('\n')).toHaveLength(5);
  });
});
