// Code points of IEEE 802.1AB-2016 and its annexes, ANSI/TIA-1057 (LLDP-MED).

export const LLDP_ETHERTYPE = 0x88cc;
/** Nearest-bridge group address, the default destination of LLDPDUs (802.1AB 7.1). */
export const LLDP_MULTICAST = '01:80:c2:00:00:0e';

export const TlvType = {
  END: 0,
  CHASSIS_ID: 1,
  PORT_ID: 2,
  TTL: 3,
  PORT_DESCRIPTION: 4,
  SYSTEM_NAME: 5,
  SYSTEM_DESCRIPTION: 6,
  SYSTEM_CAPABILITIES: 7,
  MANAGEMENT_ADDRESS: 8,
  ORGANIZATIONAL: 127,
} as const;

/** 802.1AB 8.5.2.2 table 8-2. */
export const CHASSIS_SUBTYPES: Record<number, string> = {
  1: 'chassis component',
  2: 'interface alias',
  3: 'port component',
  4: 'mac address',
  5: 'network address',
  6: 'interface name',
  7: 'locally assigned',
};

/** 802.1AB 8.5.3.2 table 8-3. */
export const PORT_SUBTYPES: Record<number, string> = {
  1: 'interface alias',
  2: 'port component',
  3: 'mac address',
  4: 'network address',
  5: 'interface name',
  6: 'agent circuit id',
  7: 'locally assigned',
};

/** 802.1AB 8.5.8.1 table 8-4, bit 0 first. */
export const CAPABILITY_NAMES = [
  'other',
  'repeater',
  'bridge',
  'wlan-ap',
  'router',
  'telephone',
  'docsis',
  'station',
  'c-vlan',
  's-vlan',
  'two-port-mac-relay',
];

/** LLDP-MED capabilities bit map (TIA-1057 10.2.2.1), bit 0 first. */
export const MED_CAPABILITY_NAMES = ['capabilities', 'network-policy', 'location', 'extended-power-pse', 'extended-power-pd', 'inventory'];

export const OUI = {
  IEEE_8021: '00-80-c2',
  IEEE_8023: '00-12-0f',
  TIA_MED: '00-12-bb',
} as const;

/** IANA Address Family Numbers used by the management address TLV. */
export const ADDRESS_FAMILY = { IPV4: 1, IPV6: 2, MAC: 6 } as const;
