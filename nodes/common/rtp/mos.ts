// MOS estimate from loss and jitter: a simplified ITU-T G.107 E-model.
//
//   R = R0 − Id − Ie,eff                      (G.107 §7, with Is = 0 and A = 0)
//   R0 = 93.2                                 (G.107 default parameters)
//   Id = 0.024·d + 0.11·(d − 177.3)·H(d − 177.3)   (Cole & Rosenbluth 2001, fit of G.107's Id)
//   Ie,eff = Ie + (95 − Ie)·Ppl / (Ppl/BurstR + Bpl)   (G.107 §7.4, BurstR = 1: random loss)
//   MOS = 1 + 0.035·R + R·(R − 60)·(100 − R)·7·10⁻⁶   (G.107 Annex B), 1 below R = 0, 4.5 above 100
//
// A passive monitor cannot see the mouth-to-ear delay, so d is an assumed one-way network delay
// plus a jitter buffer of twice the measured interarrival jitter; this is what makes it an estimate.

/** Equipment impairment Ie and packet-loss robustness Bpl (ITU-T G.113 Appendix I), by payload type. */
const CODECS: Readonly<Record<number, { name: string; ie: number; bpl: number }>> = {
  0: { name: 'G.711 µ-law', ie: 0, bpl: 4.3 },
  8: { name: 'G.711 A-law', ie: 0, bpl: 4.3 },
  4: { name: 'G.723.1', ie: 15, bpl: 16.1 },
  18: { name: 'G.729A', ie: 11, bpl: 19 },
};

export interface MosEstimate {
  mos: number;
  r: number;
  /** The codec figures used; "assumed G.711" when the payload type is not in the table. */
  codec: string;
}

export function estimateMos(payloadType: number, lossPercent: number, jitterMs: number, networkDelayMs: number): MosEstimate {
  const known = CODECS[payloadType];
  const codec = known ?? { name: 'assumed G.711', ie: 0, bpl: 4.3 };
  const ppl = Math.max(0, Math.min(100, lossPercent));
  const d = networkDelayMs + 2 * jitterMs;
  const id = 0.024 * d + (d > 177.3 ? 0.11 * (d - 177.3) : 0);
  const ieEff = codec.ie + ((95 - codec.ie) * ppl) / (ppl + codec.bpl);
  const r = 93.2 - id - ieEff;
  const mos = r <= 0 ? 1 : r >= 100 ? 4.5 : 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6;
  return { mos: Math.round(mos * 100) / 100, r: Math.round(r * 10) / 10, codec: codec.name };
}
