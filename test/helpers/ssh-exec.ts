import { Client, type ConnectConfig } from 'ssh2';

/** Runs one command over SSH and returns its stdout (test helper). */
export function sshExec(cfg: ConnectConfig, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const conn = new Client();
    conn
      .on('ready', () => {
        conn.exec(command, (err, stream) => {
          if (err) return reject(err);
          let out = '';
          stream.on('data', (d: Buffer) => (out += d.toString('utf8')));
          stream.stderr.on('data', () => undefined);
          stream.on('close', () => {
            conn.end();
            resolve(out);
          });
        });
      })
      .on('error', reject)
      .connect({ readyTimeout: 10_000, ...cfg });
  });
}
