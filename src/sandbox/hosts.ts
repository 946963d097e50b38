/**
 * Sandbox hosts: each is a real OpenSSH sshd in its own network namespace (own address in
 * 198.18.0.0/15, own `fa:16:3e` MAC, a veth pair to this machine so it is reachable from here,
 * and on request an address in a VPC subnet and EIP addresses, each a /32 routed to it), its own
 * mount, UTS and PID namespaces, and its own root: an overlay of this machine's `/` whose upper
 * layer (its machine-id, hostname, /etc/shadow, sshd key and config, empty /root, /opt, /tmp,
 * /var/tmp, /run and /dev, and everything it writes anywhere) is its alone and goes with it, with
 * its own /proc, read-only /sys and devpts. Linux and root only. Their processes (ip, sshd, ...)
 * are started through one long-lived shell (launcher.ts), never by forking this process.
 *
 * The parts, one job each, under hosts/: slot locks (slots.ts, slot-liveness.ts, teardown.ts),
 * network wiring (network.ts), the addresses a host holds (subnet-addresses.ts,
 * held-addresses.ts) and their machine-wide claims (address-claims.ts), the layers every root
 * shares (base-layers.ts), host files and mounts (host-files.ts), boot and wait (boot.ts), the
 * warm pool (warm-pool.ts), and startSandboxHost putting them together (start-host.ts).
 */
export {
  addressClaimPath,
  claimAddressForProcess,
  releaseProcessAddress,
} from './hosts/address-claims.js';
export { waitForPort } from './hosts/boot.js';
export type { SandboxHost, SandboxHostOptions } from './hosts/host-options.js';
export { cleanupStaleSandboxHosts, removeHostsKeptFor } from './hosts/slots.js';
export { adoptSandboxHost, startSandboxHost } from './hosts/start-host.js';
export {
  drainSandboxHostPool,
  prewarmSandboxHosts,
  sandboxHostPoolSize,
} from './hosts/warm-pool.js';
