// Tokens of a libpcap filter expression, split the way libpcap's scanner splits them: the longest
// match wins, a keyword wins a tie with a plain word, so `1-1024` and `tcp-syn` are one token each
// and `ip6[2:2]` is five.
import { isIP } from 'node:net';
import { FilterSyntaxError } from './ast';

export type Token =
  | { type: 'num'; value: number; text: string; at: number }
  | { type: 'hid' | 'hid6' | 'eid' | 'word' | 'keyword' | 'op'; text: string; at: number }
  | { type: 'end'; text: ''; at: number };

const KEYWORDS = new Set([
  'dst', 'src', 'ether', 'link', 'host', 'net', 'mask', 'port', 'portrange', 'proto', 'less', 'greater', 'len', 'length',
  'vlan', 'broadcast', 'multicast', 'and', 'or', 'not', 'ip', 'ip6', 'arp', 'rarp', 'tcp', 'udp', 'sctp', 'icmp', 'icmp6',
  'igmp', 'pim', 'vrrp', 'ah', 'esp', 'lldp',
]);

/** libpcap keywords this filter does not implement: named in the error instead of "unknown word". */
export const UNSUPPORTED_KEYWORDS = new Set([
  'ppp', 'slip', 'fddi', 'tr', 'wlan', 'igrp', 'carp', 'radio', 'atalk', 'aarp', 'decnet', 'lat', 'sca', 'moprc', 'mopdl',
  'iso', 'esis', 'es-is', 'isis', 'is-is', 'l1', 'l2', 'iih', 'lsp', 'snp', 'csnp', 'psnp', 'clnp', 'stp', 'ipx', 'netbeui',
  'protochain', 'gateway', 'type', 'subtype', 'direction', 'dir', 'address1', 'address2', 'address3', 'address4', 'ra', 'ta',
  'byte', 'inbound', 'outbound', 'ifindex', 'mpls', 'pppoed', 'pppoes', 'geneve', 'vxlan', 'llc', 'lane',
]);

/** The names libpcap's scanner reads as numbers (pcap-filter(7)). */
const NAMED_NUMBERS: Record<string, number> = {
  icmptype: 0, icmpcode: 1, 'icmp-echoreply': 0, 'icmp-unreach': 3, 'icmp-sourcequench': 4, 'icmp-redirect': 5,
  'icmp-echo': 8, 'icmp-routeradvert': 9, 'icmp-routersolicit': 10, 'icmp-timxceed': 11, 'icmp-paramprob': 12,
  'icmp-tstamp': 13, 'icmp-tstampreply': 14, 'icmp-ireq': 15, 'icmp-ireqreply': 16, 'icmp-maskreq': 17, 'icmp-maskreply': 18,
  icmp6type: 0, icmp6code: 1, 'icmp6-destinationunreach': 1, 'icmp6-packettoobig': 2, 'icmp6-timeexceeded': 3,
  'icmp6-parameterproblem': 4, 'icmp6-echo': 128, 'icmp6-echoreply': 129, 'icmp6-multicastlistenerquery': 130,
  'icmp6-multicastlistenerreportv1': 131, 'icmp6-multicastlistenerdone': 132, 'icmp6-routersolicit': 133,
  'icmp6-routeradvert': 134, 'icmp6-neighborsolicit': 135, 'icmp6-neighboradvert': 136, 'icmp6-redirect': 137,
  'icmp6-routerrenum': 138, 'icmp6-nodeinformationquery': 139, 'icmp6-nodeinformationresponse': 140,
  'icmp6-ineighbordiscoverysolicit': 141, 'icmp6-ineighbordiscoveryadvert': 142, 'icmp6-multicastlistenerreportv2': 143,
  tcpflags: 13, 'tcp-fin': 0x01, 'tcp-syn': 0x02, 'tcp-rst': 0x04, 'tcp-push': 0x08, 'tcp-ack': 0x10, 'tcp-urg': 0x20,
  'tcp-ece': 0x40, 'tcp-cwr': 0x80,
};

const OPERATORS = ['&&', '||', '<<', '>>', '<=', '>=', '==', '!=', '(', ')', '[', ']', ':', '!', '<', '>', '=', '+', '-', '*', '/', '%', '&', '|', '^'];
const NUMBER = /^(0[xX][0-9A-Fa-f]+|[0-9]+)/;
const DOTTED = /^[0-9]+(\.[0-9]+){1,3}/; // libpcap's HID: 2 to 4 numbers
const MAC = /^([0-9A-Fa-f]{1,2})([:.-])[0-9A-Fa-f]{1,2}(\2[0-9A-Fa-f]{1,2}){4}|^[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}/;
const V6 = /^[0-9A-Fa-f:]*:[0-9A-Fa-f:]*(\.[0-9]+){0,3}/;
const WORD = /^[A-Za-z0-9](?:[-_.A-Za-z0-9]*[.A-Za-z0-9])?/;
const ESCAPED = /^\\[^\s!()]+/;

/** libpcap's number syntax: 0x hex, a leading 0 octal, else decimal; at most 32 bits. */
export function parseNumber(text: string, expression: string, at: number): number {
  let value: number;
  if (/^0[xX]/.test(text)) value = parseInt(text.slice(2), 16);
  else if (text.length > 1 && text.startsWith('0')) {
    if (/[89]/.test(text)) throw new FilterSyntaxError(`number ${text} contains a non-octal digit`, expression, at);
    value = parseInt(text, 8);
  } else value = Number(text);
  if (value > 0xffffffff) throw new FilterSyntaxError(`number ${text} overflows 32 bits`, expression, at);
  return value;
}

export function tokenize(expression: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < expression.length) {
    const rest = expression.slice(i);
    const space = /^\s+/.exec(rest);
    if (space) { i += space[0].length; continue; }
    // Longest match among the forms that start here; on a tie the earlier form wins (libpcap's rule order).
    let best: Token | undefined;
    const offer = (token: Token) => { if (!best || token.text.length > best.text.length) best = token; };
    const mac = MAC.exec(rest)?.[0];
    if (mac) offer({ type: 'eid', text: mac, at: i });
    const dotted = DOTTED.exec(rest)?.[0];
    if (dotted) offer({ type: 'hid', text: dotted, at: i });
    const v6 = V6.exec(rest)?.[0];
    if (v6 && isIP(v6) === 6) offer({ type: 'hid6', text: v6, at: i });
    const number = NUMBER.exec(rest)?.[0];
    if (number) offer({ type: 'num', value: NaN, text: number, at: i }); // its value once it wins
    const word = WORD.exec(rest)?.[0];
    if (word) {
      if (KEYWORDS.has(word)) offer({ type: 'keyword', text: word, at: i });
      else if (word in NAMED_NUMBERS) offer({ type: 'num', value: NAMED_NUMBERS[word], text: word, at: i });
      else offer({ type: 'word', text: word, at: i });
    }
    const escaped = ESCAPED.exec(rest)?.[0];
    if (escaped) offer({ type: 'word', text: escaped, at: i });
    if (!best) {
      const op = OPERATORS.find((o) => rest.startsWith(o));
      if (!op) throw new FilterSyntaxError(`unexpected character "${rest[0]}"`, expression, i);
      best = { type: 'op', text: op, at: i };
    }
    const token: Token = best.type === 'num' && Number.isNaN(best.value) ? { ...best, value: parseNumber(best.text, expression, i) } : best;
    // The keyword spellings of the logical operators are the same tokens as the symbols.
    if (token.type === 'op' && (token.text === '&&' || token.text === '||' || token.text === '!')) {
      tokens.push({ type: 'keyword', text: token.text === '&&' ? 'and' : token.text === '||' ? 'or' : 'not', at: i });
    } else if (token.type === 'op' && token.text === '==') tokens.push({ type: 'op', text: '=', at: i });
    else tokens.push(token);
    i += token.text.length;
  }
  tokens.push({ type: 'end', text: '', at: expression.length });
  return tokens;
}
