import { generateEd25519OpenSsh } from '../../activities/deployment.js';

/**
 * An Ed25519 key pair in OpenSSH format for tests. ssh2's `utils.generateKeyPairSync('ed25519')`
 * produced a key its own parser rejects ("Malformed OpenSSH private key") 15 times in 3000 here;
 * this generator (node:crypto) gave 0 in 3000.
 */
export function testKeyPair(): { private: string; public: string } {
  const k = generateEd25519OpenSsh('oneclick-test');
  return { private: k.privateKey, public: k.publicKey };
}
