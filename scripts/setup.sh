#!/usr/bin/env bash
# Installs everything OneClick and its tests use on a fresh Debian machine of this kind:
# Debian packages (PostgreSQL server, OpenSSH server and client, iproute2, ...), the npm
# dependencies, the Temporal CLI and SeaweedFS (each built once with Go into ~/.cache/oneclick).
# Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

need_root() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: installing Debian packages needs root (sudo $0)" >&2
    exit 1
  fi
}

# Debian packages: PostgreSQL (tests run the repositories on it), OpenSSH (sandbox servers are
# real sshd; scp is a benchmark peer), iproute2/util-linux (network and mount namespaces),
# openssl (license verification tests), procps; chromium (the console's browser tests drive
# Debian's build through playwright-core, never a downloaded one) and CJK fonts for its Chinese.
packages=(postgresql openssh-server openssh-client iproute2 util-linux openssl procps ca-certificates chromium fonts-noto-cjk)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  need_root
  echo "setup: apt-get install ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The Debian package starts a cluster of its own; OneClick's tests start their own instead.
  if command -v pg_ctlcluster >/dev/null; then
    for c in $(pg_lsclusters -h 2>/dev/null | awk '{print $1"/"$2}'); do pg_ctlcluster ${c%/*} ${c#*/} stop 2>/dev/null || true; done
  fi
fi

# Node.js >= 20.19 is on the machine; npm dependencies from the lockfile.
node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20||(a===20&&b<19)) { console.error("setup: Node.js >= 20.19 needed, found "+process.versions.node); process.exit(1) }'
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # `npm ci` installs exactly the lockfile and never writes to it, so a fresh clone stays clean.
  # Should it refuse (a lockfile out of step with package.json), `npm install --no-save` resolves
  # the same ranges without rewriting package-lock.json.
  echo "setup: npm ci"
  if ! out=$(npm ci --no-audit --no-fund --loglevel=error 2>&1); then
    grep -m 3 -E '^npm error [^ ]' <<<"$out" >&2 || true
    echo "setup: npm ci failed; npm install --no-save instead (package-lock.json left as it is)" >&2
    npm install --no-save --no-audit --no-fund --loglevel=error
  else
    printf '%s\n' "$out" | grep -v '^$' || true
  fi
fi

# The Temporal CLI: $TEMPORAL_CLI, `temporal` on PATH, the cache, or a Go build into the cache.
node_modules/.bin/tsx scripts/ensure-temporal-cli.ts

# SeaweedFS, the real S3 server the object-store tests and benchmarks run against: $SEAWEEDFS_WEED,
# `weed` on PATH, the cache, or a Go build into the cache (about 5 minutes, once).
node_modules/.bin/tsx scripts/ensure-seaweedfs.ts
