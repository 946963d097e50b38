import { OutputTail } from '../src/ssh/output-tail.js';

/**
 * What the delivery activities heartbeat for the buyer's live view: the output tail of a running
 * command with every secret the activity knows replaced by `[redacted]` before it leaves the
 * process (heartbeat details reach Temporal, and through describe() the API), and the push rate.
 */

export const REDACTED = '[redacted]';
/** Bytes of output a live heartbeat carries. */
export const LIVE_TAIL_BYTES = 4 * 1024;
/** Shortest value treated as a secret: replacing shorter ones would shred ordinary output. */
const MIN_SECRET_CHARS = 4;
/** Lines of a multi-line secret (a key, a license file) long enough to be redacted on their own. */
const MIN_SECRET_LINE_CHARS = 16;

/**
 * Variables whose names say they hold a secret (a password, token, key or credential); their
 * values are redacted from output like the buyer's password.
 */
const SECRET_NAME_RE = /PASS|PWD|SECRET|TOKEN|CREDENTIAL|PRIVATE|(^|_)(API_?)?KEY($|_)|(^|_)[AS]K$/;

/** The values of the variables named like secrets. */
export function secretVariableValues(variables: Readonly<Record<string, string>> = {}): string[] {
  return Object.entries(variables)
    .filter(([name]) => SECRET_NAME_RE.test(name.toUpperCase()))
    .map(([, value]) => value);
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Replaces known secrets in text, and finds the pieces of one that a cut left at an edge. */
export class Redactor {
  private readonly secrets: string[];
  private readonly pattern: RegExp | undefined;

  constructor(values: Iterable<string | undefined>) {
    const found = new Set<string>();
    for (const value of values) {
      if (!value) continue;
      // Trimmed: the line breaks around a secret stay, so the output keeps its lines.
      const v = value.trim();
      if (v.length >= MIN_SECRET_CHARS) found.add(v);
      // A multi-line secret may be printed a line at a time.
      for (const line of value.split(/\r?\n/)) {
        const l = line.trim();
        if (l.length >= MIN_SECRET_LINE_CHARS) found.add(l);
      }
    }
    // Longest first: at any position the alternation takes the longest secret starting there.
    this.secrets = [...found].sort((a, b) => b.length - a.length);
    this.pattern = this.secrets.length
      ? new RegExp(this.secrets.map(escapeRe).join('|'), 'g')
      : undefined;
  }

  /** `text` with every whole secret replaced. */
  redact(text: string): string {
    return this.pattern ? text.replace(this.pattern, REDACTED) : text;
  }

  /** Length of the longest end of `text` that could be the start of a secret still being written. */
  pendingEnd(text: string): number {
    let longest = 0;
    for (const s of this.secrets) {
      const from = Math.max(0, text.length - (s.length - 1));
      for (let i = from; i < text.length - longest; i++) {
        if (text.charCodeAt(i) === s.charCodeAt(0) && s.startsWith(text.slice(i))) {
          longest = text.length - i;
          break;
        }
      }
    }
    return longest;
  }

  /** Length of the longest start of `text` that could be the rest of a secret cut off in front. */
  cutStart(text: string): number {
    let longest = 0;
    for (const s of this.secrets) {
      const to = Math.min(text.length, s.length - 1);
      for (let k = to; k > longest; k--) {
        if (text.charCodeAt(k - 1) === s.charCodeAt(s.length - 1) && s.endsWith(text.slice(0, k))) {
          longest = k;
          break;
        }
      }
    }
    return longest;
  }
}

/** Where the bytes stop being whole UTF-8 characters (an incomplete one at the end is cut). */
function completeEnd(buf: Buffer): number {
  for (let i = buf.length - 1; i >= Math.max(0, buf.length - 4); i--) {
    const b = buf[i]!;
    if ((b & 0xc0) === 0x80) continue; // continuation byte: look further back for the lead
    const need = b < 0x80 ? 1 : b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return i + need > buf.length ? i : buf.length;
  }
  return buf.length;
}

/** Skips continuation bytes so that the text starts on a whole character. */
function charStart(buf: Buffer, from: number): number {
  let i = from;
  while (i < buf.length && (buf[i]! & 0xc0) === 0x80) i++;
  return i;
}

/** The last `limit` bytes of `text`, cut before a whole character. */
export function lastBytes(text: string, limit: number): string {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= limit) return text;
  return buf.subarray(charStart(buf, buf.length - limit)).toString('utf8');
}

/**
 * The end of a command's combined output, kept raw and handed out redacted: a tail cut in front
 * drops what may be the rest of a secret whose start fell off; a live tail also holds back an
 * incomplete character and what may be the start of a secret still arriving.
 */
export class RedactedTail {
  private readonly raw: OutputTail;

  /** `keep`: the largest tail that will be asked for, in bytes. */
  constructor(
    private readonly redactor: Redactor,
    keep: number,
  ) {
    this.raw = new OutputTail(keep);
  }

  /** Every byte seen. */
  get total(): number {
    return this.raw.total;
  }

  push(chunk: Buffer): void {
    this.raw.push(chunk);
  }

  /**
   * The last `limit` bytes of output, redacted, and how many bytes before them are not shown.
   * `live`: the command is still writing, so an unfinished character or secret at the end is held
   * back until the next call.
   */
  render(limit: number, opts: { live: boolean }): { text: string; dropped: number } {
    const all = this.raw.bytes();
    const buf = all.subarray(Math.max(0, all.length - limit));
    const from = this.total > buf.length ? charStart(buf, 0) : 0;
    const end = opts.live ? completeEnd(buf) : buf.length;
    let text = buf.subarray(from, Math.max(from, end)).toString('utf8');
    let dropped = this.total - (buf.length - from);
    if (dropped > 0) {
      const rest = this.redactor.cutStart(text);
      dropped += Buffer.byteLength(text.slice(0, rest));
      text = text.slice(rest);
    }
    if (opts.live) text = text.slice(0, text.length - this.redactor.pendingEnd(text));
    // `[redacted]` may be longer than what it replaced: the limit still holds.
    const redacted = this.redactor.redact(text);
    const shown = lastBytes(redacted, limit);
    return {
      text: shown,
      dropped: dropped + Buffer.byteLength(redacted) - Buffer.byteLength(shown),
    };
  }

  /** The redacted tail alone (see `render`). */
  text(limit: number, opts: { live: boolean }): string {
    return this.render(limit, opts).text;
  }
}

/** Bytes per second over the last few seconds of a transfer. */
export class TransferRate {
  private samples: { t: number; bytes: number }[] = [];

  constructor(private readonly windowMs = 3_000) {}

  /** Notes `bytes` done at `now` (ms); answers the rate since the window's oldest note. */
  note(bytes: number, now: number): number | undefined {
    const last = this.samples.at(-1);
    // A resumed push restarts its count: the window restarts with it.
    if (last && bytes < last.bytes) this.samples = [];
    this.samples.push({ t: now, bytes });
    while (this.samples.length > 2 && now - this.samples[1]!.t >= this.windowMs) {
      this.samples.shift();
    }
    const first = this.samples[0]!;
    return now > first.t ? ((bytes - first.bytes) * 1000) / (now - first.t) : undefined;
  }
}
