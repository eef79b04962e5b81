// Messages between the renderer and its worker thread.

export const ENGINES = ['dot', 'neato', 'fdp', 'circo', 'twopi'] as const;
export type Engine = (typeof ENGINES)[number];
export const FORMATS = ['svg', 'png', 'dot'] as const;
export type OutputFormat = (typeof FORMATS)[number];

export interface RenderRequest {
  id: number;
  dot: string;
  engine: Engine;
  format: OutputFormat;
  /** PNG zoom factor (1 = Graphviz's 72 dpi size). */
  scale?: number;
}

export type RenderResponse =
  | { id: number; ok: true; text?: string; png?: Uint8Array }
  | { id: number; ok: false; error: string };
