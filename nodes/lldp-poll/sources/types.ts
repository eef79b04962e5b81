import type { CliPlatform } from '../../common/lldp';

/** One device to poll; which fields matter depends on the source. */
export interface PollTarget {
  /** SNMP/SSH host, or the lldpd control socket path for lldpcli ("" = lldpd's default). */
  host: string;
  port?: number;
  /** SSH: the CLI dialect of the device. */
  platform?: CliPlatform;
  /** Name to use when the device does not report its own (SSH always; SNMP without lldpLocSysName). */
  name?: string;
}

export interface SnmpCredentials {
  version: '2c' | '3';
  community?: string;
  user?: string;
  authProtocol?: string;
  authKey?: string;
  privProtocol?: string;
  privKey?: string;
}

export interface SshCredentials {
  username: string;
  password?: string;
  privateKey?: string;
  passphrase?: string;
}
