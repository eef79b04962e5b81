// lldp credentials: SNMP (v2c community or v3 authPriv user) and SSH login for lldp poll.
// Every secret is a Node-RED credential, never part of the flow JSON.
import type { NodeAPI, NodeDef } from 'node-red';
import type { LldpCredentialsNode } from './types';

interface CredentialsDef extends NodeDef {
  snmpVersion: '2c' | '3';
  snmpUser: string;
  authProtocol: string;
  privProtocol: string;
  sshUsername: string;
  hostKeyMode?: string;
  hostKeys?: string;
}

export = function (RED: NodeAPI) {
  function LldpCredentials(this: LldpCredentialsNode, config: CredentialsDef) {
    RED.nodes.createNode(this, config);
    this.snmpVersion = config.snmpVersion === '3' ? '3' : '2c';
    this.snmpUser = config.snmpUser;
    this.authProtocol = config.authProtocol || 'sha';
    this.privProtocol = config.privProtocol || 'aes';
    this.sshUsername = config.sshUsername;
    // Trust on first use unless told otherwise; "any" only when chosen explicitly.
    this.hostKeyMode = config.hostKeyMode === 'pinned' || config.hostKeyMode === 'any' ? config.hostKeyMode : 'tofu';
    this.hostKeys = config.hostKeys ?? '';
  }
  RED.nodes.registerType('wirescope-lldp-credentials', LldpCredentials as unknown as Parameters<NodeAPI['nodes']['registerType']>[1], {
    credentials: {
      community: { type: 'password' },
      authKey: { type: 'password' },
      privKey: { type: 'password' },
      sshPassword: { type: 'password' },
      sshPrivateKey: { type: 'password' },
      sshPassphrase: { type: 'password' },
    },
  });
};
