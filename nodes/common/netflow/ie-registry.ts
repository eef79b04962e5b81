// Information-element registry: IANA elements plus vendor (PEN) elements and user definitions.
import { IANA_IE_TABLE } from './iana-ies';
import { VENDOR_IE_TABLE, NETFLOW9_VENDOR_TABLE } from './vendor-ies';
import { isAbstractType, type AbstractType } from './element-definitions';

export type { AbstractType };

export interface IeDefinition {
  /** Private enterprise number, 0 for IANA. */
  pen: number;
  id: number;
  name: string;
  type: AbstractType;
}

/** RFC 5103 reverse-direction PEN: reverse IE n is IANA IE n seen in the other direction. */
export const REVERSE_PEN = 29305;

function parseTable(text: string, pen: number | null, into: Map<number, IeDefinition>): void {
  for (const line of text.split('\n')) {
    const parts = line.trim().split(/\s+/);
    if (parts.length < 3) continue;
    // Vendor table lines carry the PEN first: "<pen> <id> <name> <type>".
    const [p, id, name, type] = pen === null ? parts : [String(pen), ...parts];
    if (!isAbstractType(type)) throw new Error(`bad IE table line: ${line}`);
    into.set(key(Number(p), Number(id)), { pen: Number(p), id: Number(id), name, type });
  }
}

/** Numeric map key: PENs are 32-bit and ids 15-bit, so pen * 2^16 + id is exact in a double. */
function key(pen: number, id: number): number {
  return pen * 65536 + id;
}

const BUILTIN = new Map<number, IeDefinition>();
parseTable(IANA_IE_TABLE, 0, BUILTIN);
parseTable(VENDOR_IE_TABLE, null, BUILTIN);
const NETFLOW9_BUILTIN = new Map<number, IeDefinition>();
parseTable(NETFLOW9_VENDOR_TABLE, 0, NETFLOW9_BUILTIN);

/**
 * Every built-in element: IANA and vendor IPFIX elements, then the NetFlow v9 vendor ids
 * (scripts/generate-record-fields.ts types the record fields from them).
 */
export function builtinElements(): { ipfix: IeDefinition[]; netflow9: IeDefinition[] } {
  return { ipfix: [...BUILTIN.values()], netflow9: [...NETFLOW9_BUILTIN.values()] };
}

let builtinByName: Map<string, AbstractType> | undefined;

/**
 * The abstract type of a built-in element by its record name (RFC 5103 reverse names included),
 * for layers that see only records, such as ECS shaping telling epoch numbers from counters.
 */
export function builtinTypeByName(name: string): AbstractType | undefined {
  if (!builtinByName) {
    builtinByName = new Map();
    for (const d of [...NETFLOW9_BUILTIN.values(), ...BUILTIN.values()]) builtinByName.set(d.name, d.type);
  }
  const type = builtinByName.get(name);
  if (type || !name.startsWith('reverse') || name.length < 8) return type;
  const forward = name[7].toLowerCase() + name.slice(8);
  return builtinByName.get(forward);
}

export class IeRegistry {
  private readonly user = new Map<number, IeDefinition>();

  constructor(definitions: IeDefinition[] = []) {
    for (const d of definitions) this.define(d);
  }

  define(d: IeDefinition): void {
    if (!isAbstractType(d.type)) throw new Error(`unknown abstract data type ${d.type}`);
    this.user.set(key(d.pen, d.id), { ...d });
  }

  /**
   * Looks an element up. `netflow9` enables the v9-only vendor ids (Cisco and ntop above 32767,
   * Streamcore 8192-8393) that vendors use without an enterprise bit (v9 has none). Unknown
   * elements get a stable name and octetArray.
   */
  lookup(pen: number, id: number, netflow9 = false): IeDefinition {
    const k = key(pen, id);
    const found = (this.user.size ? this.user.get(k) : undefined) ?? (netflow9 ? NETFLOW9_BUILTIN.get(k) : undefined) ?? BUILTIN.get(k);
    if (found) return found;
    if (pen === REVERSE_PEN) {
      const forward = BUILTIN.get(key(0, id));
      if (forward) {
        const name = 'reverse' + forward.name[0].toUpperCase() + forward.name.slice(1);
        return { pen, id, name, type: forward.type };
      }
    }
    const name = pen === 0 ? (netflow9 ? `nf9_ie${id}` : `ie${id}`) : `pen${pen}_ie${id}`;
    return { pen, id, name, type: 'octetArray' };
  }
}
