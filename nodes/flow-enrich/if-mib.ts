// The SNMP source of interface tables: IF-MIB ifName/ifAlias/ifHighSpeed (with ifDescr/ifSpeed
// as fallbacks) walked from the exporter with the pack's credentials, through lldp poll's session.
import type { MibVarbind } from '../common/lldp';
import { interfaceTableFromIfMib, IF_MIB, type InterfaceSource } from '../common/enrich';
import { openSession, walk, type SnmpOptions } from '../lldp-poll/sources/snmp';
import type { SnmpCredentials } from '../lldp-poll/sources/types';

export function ifMibSource(credentials: SnmpCredentials, options: SnmpOptions & { port?: number }): InterfaceSource {
  return async (exporter) => {
    const session = openSession({ host: exporter, port: options.port }, credentials, options);
    session.on('error', () => { /* surfaces as the walk's error */ });
    try {
      const varbinds: MibVarbind[] = [];
      for (const column of [IF_MIB.ifName, IF_MIB.ifAlias, IF_MIB.ifHighSpeed, IF_MIB.ifDescr, IF_MIB.ifSpeed]) {
        await walk(session, column, options.maxRepetitions, varbinds);
      }
      if (varbinds.length === 0) throw new Error(`${exporter} has no IF-MIB interface table`);
      return interfaceTableFromIfMib(varbinds);
    } finally {
      session.close();
    }
  };
}
