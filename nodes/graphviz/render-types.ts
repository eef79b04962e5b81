// Messages between the renderer and its worker thread.
import type { Picture, Point, StyleOptions } from '../common/topology';

export const ENGINES = ['dot', 'neato', 'fdp', 'circo', 'twopi'] as const;
export type Engine = (typeof ENGINES)[number];
export const FORMATS = ['svg', 'png', 'dot'] as const;
export type OutputFormat = (typeof FORMATS)[number];

/** Fonts handed to the PNG rasteriser (it loads no system fonts). */
export interface FontSet { files: string[]; family: string }

interface RequestBase {
  id: number;
  format: OutputFormat;
  /** PNG zoom factor (1 = Graphviz's 72 dpi size). */
  scale?: number;
  font?: FontSet;
}

/** DOT text, laid out by the given engine. */
export interface DotRenderRequest extends RequestBase { kind: 'dot'; dot: string; engine: Engine }

/** A topology picture, laid out stably from the previous positions (see common/topology/layout). */
export interface PictureRenderRequest extends RequestBase {
  kind: 'picture';
  picture: Picture;
  /** Style without formatTime (functions do not cross threads); "since" times use local HH:MM. */
  style: Omit<StyleOptions, 'formatTime'>;
  previous?: Record<string, Point>;
  relayout?: boolean;
}

export type RenderRequest = DotRenderRequest | PictureRenderRequest;

export interface RenderOutput {
  /** SVG or DOT text (format svg/dot). */
  text?: string;
  png?: Uint8Array;
  /** The SVG a PNG was made from. */
  svg?: string;
  /** The DOT that was laid out. */
  dot?: string;
  /** Pictures: device positions, whether dot laid out afresh, devices moved because a neighbour grew. */
  positions?: Record<string, Point>;
  relaidOut?: boolean;
  moved?: string[];
}

export type RenderResponse = ({ id: number; ok: true } & RenderOutput) | { id: number; ok: false; error: string };
