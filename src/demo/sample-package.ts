import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * The demo's sample package: a tiny service (`service.sh`) that refuses to start without a valid
 * license at `$LICENSE_FILE`: a License 2.0 authorization code (KooGallery's shape) or a License
 * 1.0 document (a compact JWS). Packed as a .tar.gz the way sellers upload theirs.
 */
const SERVICE = `#!/bin/sh
# A sample service for OneClick's demo: it runs only with a license in place.
set -u
dir=$(cd "$(dirname "$0")" && pwd)
license_ok() {
  [ -s "$LICENSE_FILE" ] || { echo "no license at $LICENSE_FILE" >&2; return 1; }
  case "$LICENSE_MODEL" in
    license2) grep -Eq '^[A-Za-z0-9-]{16,}$' "$LICENSE_FILE" ;;
    license1) grep -Eq '^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$' "$LICENSE_FILE" ;;
    *) false ;;
  esac || { echo "the license at $LICENSE_FILE is not a valid $LICENSE_MODEL license" >&2; return 1; }
}
case "\${1:-}" in
  install) echo "installed $(basename "$dir") into $dir" ;;
  start) license_ok || exit 3; date -u +%FT%TZ > "$dir/started"; echo "started with a valid license" ;;
  status) [ -f "$dir/started" ] && license_ok && echo "running since $(cat "$dir/started")" ;;
  *) echo "usage: service.sh install|start|status" >&2; exit 2 ;;
esac
`;

/** The package's bytes (.tar.gz holding `sample-service/service.sh`). */
export function samplePackage(): Buffer {
  const dir = mkdtempSync(path.join(tmpdir(), 'oneclick-demo-package-'));
  try {
    const root = path.join(dir, 'sample-service');
    execFileSync('mkdir', ['-p', root]);
    writeFileSync(path.join(root, 'service.sh'), SERVICE, { mode: 0o755 });
    const file = path.join(dir, 'sample-service.tar.gz');
    execFileSync('tar', ['-czf', file, '-C', dir, 'sample-service']);
    return readFileSync(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The product's commands for the sample package. */
export function sampleCommands(model: 'license2' | 'license1') {
  return {
    installCommand:
      'set -e; mkdir -p "$INSTALL_DIR"; tar -xzf "$PACKAGE_FILE" -C "$INSTALL_DIR"; ' +
      '"$INSTALL_DIR/sample-service/service.sh" install',
    verifyCommand:
      '"$INSTALL_DIR/sample-service/service.sh" start && "$INSTALL_DIR/sample-service/service.sh" status',
    variables: { LICENSE_MODEL: model },
  };
}
