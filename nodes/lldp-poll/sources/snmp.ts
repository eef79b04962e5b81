// LLDP-MIB over SNMP (v2c or v3 authPriv) with net-snmp: GETBULK walks of the local system data
// and the remote systems data, with net-snmp's own timeout and retries per request.
import * as snmp from 'net-snmp';
import { LLDP_MIB, reportFromLldpMib, type LldpDeviceReport, type MibVarbind } from '../../common/lldp';
import type { PollTarget, SnmpCredentials } from './types';

export interface SnmpOptions { timeoutMs: number; retries: number; maxRepetitions: number }

export function openSession(target: PollTarget, credentials: SnmpCredentials, options: SnmpOptions): snmp.Session {
  const sessionOptions = { port: target.port ?? 161, retries: options.retries, timeout: options.timeoutMs };
  if (credentials.version !== '3') {
    return snmp.createSession(target.host, credentials.community || 'public', { ...sessionOptions, version: snmp.Version2c });
  }
  if (!credentials.user) throw new Error('SNMPv3 needs a user name');
  const user: snmp.User = { name: credentials.user, level: snmp.SecurityLevel.authPriv };
  user.authProtocol = snmp.AuthProtocols[(credentials.authProtocol || 'sha').toLowerCase()];
  user.privProtocol = snmp.PrivProtocols[(credentials.privProtocol || 'aes').toLowerCase()];
  if (user.authProtocol === undefined) throw new Error(`unknown SNMPv3 auth protocol ${credentials.authProtocol}`);
  if (user.privProtocol === undefined) throw new Error(`unknown SNMPv3 privacy protocol ${credentials.privProtocol}`);
  if (!credentials.authKey || !credentials.privKey) throw new Error('SNMPv3 authPriv needs an auth key and a privacy key');
  user.authKey = credentials.authKey;
  user.privKey = credentials.privKey;
  return snmp.createV3Session(target.host, user, { ...sessionOptions, version: snmp.Version3 });
}

export function walk(session: snmp.Session, oid: string, maxRepetitions: number, into: MibVarbind[]): Promise<void> {
  return new Promise((resolve, reject) => {
    session.subtree(oid, maxRepetitions, (varbinds) => {
      for (const varbind of varbinds) {
        if (snmp.isVarbindError(varbind)) continue; // noSuchObject/endOfMibView: nothing under this OID
        into.push({ oid: varbind.oid, value: varbind.value as MibVarbind['value'] });
      }
    }, (error) => (error ? reject(error) : resolve()));
  });
}

export async function pollSnmp(target: PollTarget, credentials: SnmpCredentials, options: SnmpOptions): Promise<LldpDeviceReport> {
  const session = openSession(target, credentials, options);
  session.on('error', () => { /* socket errors surface as request failures below */ });
  try {
    const varbinds: MibVarbind[] = [];
    await walk(session, LLDP_MIB.localSystemData, options.maxRepetitions, varbinds);
    await walk(session, LLDP_MIB.remoteSystemsData, options.maxRepetitions, varbinds);
    if (varbinds.length === 0) throw new Error('the agent has no LLDP-MIB (lldpLocalSystemData is empty)');
    return reportFromLldpMib(varbinds, target.name ?? target.host);
  } finally {
    session.close();
  }
}
