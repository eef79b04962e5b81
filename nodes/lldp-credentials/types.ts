// The credentials config node as lldp poll sees it.
import type { Node } from 'node-red';

export interface LldpCredentialSecrets {
  community?: string;
  authKey?: string;
  privKey?: string;
  sshPassword?: string;
  sshPrivateKey?: string;
  sshPassphrase?: string;
}

export interface LldpCredentialsNode extends Node<LldpCredentialSecrets> {
  snmpVersion: '2c' | '3';
  snmpUser: string;
  authProtocol: string;
  privProtocol: string;
  sshUsername: string;
  /** SSH host-key check: pinned fingerprints, trust on first use (default) or none. */
  hostKeyMode: 'tofu' | 'pinned' | 'any';
  /** Pinned fingerprints, one a line: `SHA256:...` or `host[:port] SHA256:...`. */
  hostKeys: string;
}
