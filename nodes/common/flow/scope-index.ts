// Per-exporter state found without building a key string per datagram. Template and sequence
// state live under text keys ("netflow9:192.0.2.1/0", see domainKey) because stats and persisted
// templates show them; building and hashing that text for every datagram cost as much as
// decoding a few records. This index finds the same state by the exporter's address text, whose
// hash the string keeps, and one exact number for the rest of the scope. It is only a memo: when
// it reaches its bound it starts over and the text-keyed state is found again.

/** Template / sequence scope: protocol, exporter address (+ port when configured) and domain. */
export function domainKey(protocol: string, address: string, port: number, domain: number, byPort: boolean): string {
  return byPort ? `${protocol}:${address}:${port}/${domain}` : `${protocol}:${address}/${domain}`;
}

/** Protocol codes for `scopeNumber`: one per sequence/template namespace. */
export const SCOPE_PROTOCOL = { netflow1: 1, netflow5: 2, netflow7: 3, netflow9: 4, ipfix: 5, sflow5: 6 } as const;

/**
 * Protocol (3 bits), port (16 bits, 0 unless the scope includes it) and a 32-bit domain / source
 * id / sub-agent in one number: at most 2^51, so exact in a double.
 */
export function scopeNumber(protocol: number, port: number, domain: number): number {
  return (protocol * 65536 + port) * 4294967296 + domain;
}

export class ScopeIndex<T> {
  private readonly byAddress = new Map<string, Map<number, T>>();
  private entries = 0;

  constructor(private readonly limit = 4096) {}

  find(address: string, scope: number): T | undefined {
    return this.byAddress.get(address)?.get(scope);
  }

  add(address: string, scope: number, value: T): T {
    if (this.entries >= this.limit) {
      this.byAddress.clear();
      this.entries = 0;
    }
    let scopes = this.byAddress.get(address);
    if (!scopes) {
      scopes = new Map();
      this.byAddress.set(address, scopes);
    }
    if (!scopes.has(scope)) this.entries++;
    scopes.set(scope, value);
    return value;
  }
}
