// Renders the Vega-Lite specs of src/plot/specs.ts to files without a browser: SVG through Vega's headless
// View, PNG by rasterising that SVG with resvg (a prebuilt native module from npm, no system libraries).
// Not where plots are designed: the specs are; this only compiles, renders and writes them.

import { existsSync } from "node:fs";
import { join } from "node:path";
import { Resvg, type ResvgRenderOptions } from "@resvg/resvg-js";
import * as vega from "vega";
import { compile } from "vega-lite";
import { WarpError } from "../src/index.js";
import type { PlotSpec } from "../src/plot/specs.js";
import { writeAtomic } from "./files.js";

/** Sans-serif families tried in order for PNG text; the first found on the system is used. */
const SANS_FONTS: readonly [string, string][] = [
  ["DejaVu Sans", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"],
  ["Liberation Sans", "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf"],
  ["Noto Sans", "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf"],
];

/** Options of renderPng. */
export interface PngOptions {
  /** Scale factor from SVG units to PNG pixels. Default 2. */
  scale?: number;
  /** Font files (TTF/OTF) to load besides the system fonts, e.g. on a machine with none installed. */
  fontFiles?: string[];
}

/** Compiles a Vega-Lite spec to Vega and renders it headlessly to an SVG document (a string). */
export async function renderSvg(spec: PlotSpec): Promise<string> {
  const compiled = compile(spec).spec;
  const view = new vega.View(vega.parse(compiled as vega.Spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * Rasterises an SVG document to PNG bytes. Text uses the system's sans-serif font when one is installed
 * (DejaVu, Liberation or Noto, else the first system font); with no font at all the text is left out but
 * the PNG is still complete.
 */
export function renderPng(svg: string, options: PngOptions = {}): Uint8Array {
  const scale = options.scale ?? 2;
  if (!(scale > 0) || !Number.isFinite(scale))
    throw new WarpError(`scale: must be a positive number, got ${scale}`);
  const sans = SANS_FONTS.find(([, file]) => existsSync(file))?.[0];
  const font: NonNullable<ResvgRenderOptions["font"]> = {
    loadSystemFonts: true,
    fontFiles: options.fontFiles ?? [],
    defaultFontSize: 11,
  };
  if (sans) {
    font.sansSerifFamily = sans;
    font.defaultFontFamily = sans;
  }
  let png: Buffer;
  try {
    png = new Resvg(svg, { font, fitTo: { mode: "zoom", value: scale }, background: "white" })
      .render()
      .asPng();
  } catch (e) {
    throw new WarpError(`cannot render PNG: ${(e as Error).message}`);
  }
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}

/**
 * Renders a spec and writes `<dir>/<name>.svg` and `<dir>/<name>.png`, each atomically (the directory is
 * created when missing). Both are rendered before either is written. Returns the two paths.
 */
export async function writePlot(
  dir: string,
  name: string,
  spec: PlotSpec,
  options: PngOptions = {},
): Promise<{ svg: string; png: string }> {
  if (!/^[\w.-]+$/.test(name) || name.startsWith(".")) {
    throw new WarpError(`plot name "${name}": use letters, digits, "_", "-" and "." only`);
  }
  const svg = await renderSvg(spec);
  const png = renderPng(svg, options);
  const paths = { svg: join(dir, `${name}.svg`), png: join(dir, `${name}.png`) };
  writeAtomic(paths.svg, svg);
  writeAtomic(paths.png, png);
  return paths;
}
