import { existsSync } from 'node:fs';
import { AppError } from '../../errors.js';
import { SSHD } from './layout.js';

/** A running sandbox host. */
export interface SandboxHost {
  id: string;
  /** Its /30 link in 198.18.0.0/15 (layout.ts), the key to find it again after a restart. */
  slot: number;
  hostname: string;
  ip: string;
  mac: string;
  netns: string;
  hostVeth: string;
  sshPort: number;
  setLinkUp(up: boolean): Promise<void>;
  /**
   * Gives the host an address inside a VPC subnet (what ECS shows as its private address): the
   * first free address of `cidr` (not the network, gateway, broadcast or ECS-reserved ones, and
   * not one any other host on this machine holds), added to the host's eth0 and routed to it from
   * this machine. Claimed machine-wide, released by `releaseAddress` or when the host stops.
   */
  assignPrivateAddress(cidr: string, gatewayIp: string): Promise<string>;
  /** Routes one more address (an EIP bound to it) to the host; it answers on it too. */
  attachAddress(ip: string): Promise<void>;
  /** Undoes `assignPrivateAddress` or `attachAddress` for one address; an unknown one is fine. */
  releaseAddress(ip: string): Promise<void>;
  /**
   * Hands the host to a persistent sandbox: it keeps running when this process exits, until
   * the state file is gone or no longer lists it (slots.ts).
   */
  keep(stateFile: string): void;
  stop(): Promise<void>;
}

/** Options for `startSandboxHost`. */
export interface SandboxHostOptions {
  id: string;
  hostname: string;
  authorizedKeys?: string[];
  rootPassword?: string;
  /** The host's network is up at once; sshd answers only after this delay (a slow boot). */
  bootDelayMs?: number;
}

const ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
const HOSTNAME_PATTERN = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const KEY_PATTERN =
  /^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp\d+|sk-\S+) [A-Za-z0-9+/=]+( [^\r\n]*)?$/;

/**
 * Throws before anything is claimed or written if this machine cannot run a host, or if an
 * option would break out of the file or script it is written into (a line break in the shadow
 * file, a space in the boot command).
 */
export function validateHostOptions(opts: SandboxHostOptions): void {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) {
    throw new AppError('SANDBOX_REQUIRES_LINUX_ROOT', 'sandbox hosts need Linux and root');
  }
  if (!existsSync(SSHD)) {
    throw new AppError(
      'SANDBOX_SSHD_MISSING',
      `${SSHD} not found: sandbox hosts need OpenSSH's server (apt-get install openssh-server)`,
    );
  }
  if (!ID_PATTERN.test(opts.id)) {
    throw new AppError('INVALID_SANDBOX_HOST_ID', 'host id must be 1-64 of [A-Za-z0-9_.-]');
  }
  if (!HOSTNAME_PATTERN.test(opts.hostname)) {
    throw new AppError('INVALID_HOSTNAME', `invalid hostname: ${JSON.stringify(opts.hostname)}`);
  }
  for (const key of opts.authorizedKeys ?? []) {
    if (!KEY_PATTERN.test(key.trim())) {
      throw new AppError(
        'INVALID_AUTHORIZED_KEY',
        'an authorized key is not an OpenSSH public key',
      );
    }
  }
  if (opts.rootPassword !== undefined && /[\r\n]/.test(opts.rootPassword)) {
    throw new AppError('INVALID_ROOT_PASSWORD', 'root password may not contain line breaks');
  }
}
