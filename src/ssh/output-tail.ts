/** Keeps the last `limit` bytes of a stream of chunks, so a chatty installer costs bounded memory. */
export class OutputTail {
  private chunks: Buffer[] = [];
  private held = 0;
  /** Every byte seen, kept or not. */
  total = 0;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    this.total += chunk.length;
    if (this.limit <= 0) return;
    const piece = chunk.length > this.limit ? chunk.subarray(chunk.length - this.limit) : chunk;
    this.chunks.push(piece);
    this.held += piece.length;
    while (this.held > this.limit) {
      const first = this.chunks[0]!;
      const excess = this.held - this.limit;
      if (first.length <= excess) {
        this.chunks.shift();
        this.held -= first.length;
      } else {
        this.chunks[0] = first.subarray(excess);
        this.held -= excess;
      }
    }
  }

  /** The kept bytes (the last `limit` of them). */
  bytes(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  /** The kept bytes as text, marked when earlier output was dropped. */
  text(): string {
    const body = Buffer.concat(this.chunks).toString('utf8');
    return this.total > this.held ? `[…${this.total - this.held} bytes dropped]\n${body}` : body;
  }
}
