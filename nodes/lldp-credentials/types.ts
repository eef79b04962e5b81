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
}
