import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { serve, type ServerType } from '@hono/node-server';
import { httpStatusFor } from './errors.js';

/** The largest request line plus header section Node reads (its default, made explicit). */
export const MAX_HEADER_BYTES = 16 * 1024;
/** How long a client may take to send its header section. */
export const HEADERS_TIMEOUT_MS = 30_000;
/** How long a client may take to send a whole request (package uploads included). */
export const REQUEST_TIMEOUT_MS = 30 * 60_000;

export interface ServeApiOptions {
  fetch: (request: Request) => Response | Promise<Response>;
  hostname: string;
  port: number;
  maxHeaderBytes?: number;
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
};

/** The error code and message of a request Node's parser refused before the app saw it. */
function refusal(err: Error & { code?: string }, maxHeaderBytes: number): [string, string] {
  if (err.code === 'HPE_HEADER_OVERFLOW') {
    return ['HEADERS_TOO_LARGE', `the request line and headers are over ${maxHeaderBytes} bytes`];
  }
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT' || err.code === 'ERR_HTTP_HEADERS_TIMEOUT') {
    return ['REQUEST_TIMEOUT', 'the request took too long to arrive'];
  }
  return ['BAD_REQUEST', 'the request is not valid HTTP'];
}

/**
 * Node's `clientError`: a request its parser refused (headers too large, too slow, malformed)
 * gets our error envelope, as every other error does, instead of Node's bare status line.
 */
export function answerClientError(
  err: Error & { code?: string },
  socket: Duplex & { bytesWritten?: number },
  maxHeaderBytes = MAX_HEADER_BYTES,
): void {
  // A reset connection cannot be answered; one whose answer has begun must not get a second.
  if (err.code === 'ECONNRESET' || !socket.writable || (socket.bytesWritten ?? 0) > 0) {
    socket.destroy();
    return;
  }
  const [code, message] = refusal(err, maxHeaderBytes);
  const status = code === 'BAD_REQUEST' ? 400 : httpStatusFor(code);
  const requestId = randomUUID();
  const body = JSON.stringify({ error: { code, message, requestId } });
  socket.end(
    `HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}\r\n` +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      `X-Request-Id: ${requestId}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}

/** Serves the API over HTTP with explicit size and time limits, every refusal in our envelope. */
export async function serveApi(options: ServeApiOptions): Promise<ServerType> {
  const maxHeaderBytes = options.maxHeaderBytes ?? MAX_HEADER_BYTES;
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve(
      {
        fetch: options.fetch,
        hostname: options.hostname,
        port: options.port,
        serverOptions: {
          maxHeaderSize: maxHeaderBytes,
          headersTimeout: options.headersTimeoutMs ?? HEADERS_TIMEOUT_MS,
          requestTimeout: options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS,
        },
      },
      () => resolve(s),
    );
  });
  server.on('clientError', (err: Error, socket: Duplex) =>
    answerClientError(err, socket, maxHeaderBytes),
  );
  return server;
}
