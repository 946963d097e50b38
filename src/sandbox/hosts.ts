/**
 * Sandbox hosts: each is a real OpenSSH sshd in its own network namespace (own address in
 * 198.18.0.0/15, own MAC, a veth pair to this machine so it is reachable from here) and its own
 * mount and UTS namespaces (own /opt, /root, /tmp, /etc/machine-id, hostname, /etc/shadow).
 * Linux and root only. Their processes (ip, sshd, ...) are started through one long-lived shell
 * (launcher.ts), never by forking this process.
 *
 * The parts, one job each, under hosts/: slot locks (slots.ts, teardown.ts), network wiring
 * (network.ts), host files (host-files.ts), boot and wait (boot.ts), the warm pool
 * (warm-pool.ts), and startSandboxHost putting them together (start-host.ts).
 */
export { waitForPort } from './hosts/boot.js';
export type { SandboxHost, SandboxHostOptions } from './hosts/host-options.js';
export { cleanupStaleSandboxHosts } from './hosts/slots.js';
export { startSandboxHost } from './hosts/start-host.js';
export {
  drainSandboxHostPool,
  prewarmSandboxHosts,
  sandboxHostPoolSize,
} from './hosts/warm-pool.js';
