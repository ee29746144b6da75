// Training plots rendered without a browser: each spec of src/plot/specs.ts to SVG (marks counted in the
// markup) and to PNG (signature, IHDR, decoded pixels not uniform), the input errors naming their argument,
// and writePlot's two atomic files. Not a visual check: that was done by eye when the plots were written.

import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { inflateSync } from "node:zlib";
import { renderPng, renderSvg, writePlot } from "../../cli/plots.js";
import { forecastSpec, imageGridSpec, type LossRecord, lossCurveSpec } from "../../src/plot/specs.js";

/** The `<path>`/`<line>` items of every role-mark group of the given mark type, per group. */
function markItems(svg: string, mark: string, item = "path"): number[] {
  const groups = [...svg.matchAll(new RegExp(`<g class="mark-${mark} role-mark[^"]*"[^>]*>(.*?)</g>`, "g"))];
  return groups.map((g) => (g[1].match(new RegExp(`<${item}\\b`, "g")) ?? []).length);
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

interface DecodedPng {
  width: number;
  height: number;
  channels: number;
  pixels: Uint8Array;
}

/** Minimal PNG reader (8-bit, non-interlaced): checks signature and chunk layout, then unfilters IDAT. */
function decodePng(png: Uint8Array): DecodedPng {
  assert.deepEqual(
    [...png.subarray(0, 8)],
    [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
    "PNG signature",
  );
  const dv = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let off = 8;
  let ihdr: DataView | null = null;
  const idat: Uint8Array[] = [];
  let sawEnd = false;
  while (off < png.length) {
    const len = dv.getUint32(off);
    const type = new TextDecoder().decode(png.subarray(off + 4, off + 8));
    const data = png.subarray(off + 8, off + 8 + len);
    if (off === 8) assert.equal(type, "IHDR", "first chunk is IHDR");
    if (type === "IHDR") ihdr = new DataView(data.buffer, data.byteOffset, data.byteLength);
    if (type === "IDAT") idat.push(data);
    if (type === "IEND") sawEnd = true;
    off += 12 + len;
  }
  assert.ok(ihdr && sawEnd && idat.length > 0, "IHDR, IDAT and IEND present");
  const width = ihdr.getUint32(0);
  const height = ihdr.getUint32(4);
  assert.ok(width > 0 && height > 0, "positive IHDR size");
  assert.equal(ihdr.getUint8(8), 8, "bit depth 8");
  assert.equal(ihdr.getUint8(12), 0, "not interlaced");
  const channels = ({ 0: 1, 2: 3, 4: 2, 6: 4 } as Record<number, number>)[ihdr.getUint8(9)];
  assert.ok(channels, "supported colour type");
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  assert.equal(raw.length, height * (stride + 1), "IDAT holds height rows");
  const out = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let x = 0; x < stride; x++) {
      const v = raw[y * (stride + 1) + 1 + x];
      const a = x >= channels ? out[y * stride + x - channels] : 0;
      const b = y > 0 ? out[(y - 1) * stride + x] : 0;
      const c = x >= channels && y > 0 ? out[(y - 1) * stride + x - channels] : 0;
      let pred = 0;
      if (filter === 1) pred = a;
      else if (filter === 2) pred = b;
      else if (filter === 3) pred = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else assert.equal(filter, 0, "known filter type");
      out[y * stride + x] = (v + pred) & 0xff;
    }
  }
  return { width, height, channels, pixels: out };
}

/** Distinct RGB colours of a decoded PNG. */
function colours(img: DecodedPng): Set<number> {
  const set = new Set<number>();
  for (let i = 0; i < img.pixels.length; i += img.channels) {
    set.add((img.pixels[i] << 16) | (img.pixels[i + 1] << 8) | img.pixels[i + 2]);
  }
  return set;
}

/** The PNG of an SVG, checked structurally, with its size against the SVG's (scale 2). */
function pngOf(svg: string): DecodedPng {
  const img = decodePng(renderPng(svg));
  const w = Number(/^<svg[^>]* width="(\d+)"/.exec(svg)?.[1]);
  const h = Number(/^<svg[^>]* height="(\d+)"/.exec(svg)?.[1]);
  assert.deepEqual([img.width, img.height], [2 * w, 2 * h], "PNG is the SVG at scale 2");
  return img;
}

function records(n: number, withVal: boolean): LossRecord[] {
  return Array.from({ length: n }, (_, e) => ({
    epoch: e + 1,
    train_loss: 1 / (e + 1),
    val: withVal && e % 2 === 1 ? 1.2 / (e + 1) : null,
    lr_scale: 1,
  }));
}

describe("lossCurveSpec", () => {
  it("renders train and validation as two line series, with legend and title", async () => {
    const svg = await renderSvg(
      lossCurveSpec(records(10, true), { valName: "val mse", title: "Loss of run A" }),
    );
    assert.ok(svg.startsWith("<svg"));
    assert.ok(svg.trimEnd().endsWith("</svg>"));
    assert.deepEqual(markItems(svg, "line"), [1, 1], "one path per series");
    assert.match(svg, />Loss of run A</);
    assert.match(svg, />training loss</);
    assert.match(svg, />validation val mse</);
    const img = pngOf(svg);
    assert.ok(colours(img).size > 10, "antialiased lines and text, not a blank image");
  });

  it("reads the named metric from val records and draws a log axis", async () => {
    const recs = records(6, false).map((r, i) => ({ ...r, val: { mse: 0.5 / (i + 1), mae: 9 } }));
    const spec = lossCurveSpec(recs, { valName: "mse", logScale: true });
    const svg = await renderSvg(spec);
    assert.deepEqual(markItems(svg, "line"), [1, 1]);
    const data = (spec as { data: { values: { series: string; loss: number }[] } }).data.values;
    assert.deepEqual(
      data.filter((p) => p.series === "validation mse").map((p) => p.loss),
      [0.5, 0.25, 0.5 / 3, 0.125, 0.1, 0.5 / 6],
    );
    assert.match(svg, />Training loss</, "default title");
  });

  it("draws one series without validation and skips non-finite losses", async () => {
    const recs = records(5, false);
    recs[2].train_loss = Number.NaN;
    const spec = lossCurveSpec(recs);
    assert.equal((spec as { data: { values: unknown[] } }).data.values.length, 4);
    assert.deepEqual(markItems(await renderSvg(spec), "line"), [1]);
  });

  it("is deterministic", () => {
    assert.deepEqual(lossCurveSpec(records(4, true)), lossCurveSpec(records(4, true)));
  });

  it("rejects bad input with the argument named", () => {
    assert.throws(() => lossCurveSpec([]), /^WarpError: records: need at least one/);
    assert.throws(
      () => lossCurveSpec([{ epoch: 1, train_loss: 0 }], { logScale: true }),
      /logScale: training loss at epoch 1 is 0/,
    );
    assert.throws(() => lossCurveSpec([{ epoch: Number.NaN, train_loss: 1 }]), /records\[0\]\.epoch/);
  });
});

describe("forecastSpec", () => {
  const T = 40;
  const times = Array.from({ length: T }, (_, i) => i * 0.1);
  const truth = [times.map((t) => Math.sin(t)), times.map((t) => Math.cos(t))];
  const mean = truth.map((s) => s.map((v, i) => v + 0.05 * Math.sin(7 * i)));
  const std = truth.map((s) => s.map((_, i) => 0.02 + 0.004 * i));

  it("draws truth and prediction per dimension, a ±σ band and the context rule", async () => {
    const svg = await renderSvg(
      forecastSpec({ times, truth, mean, std, context: 15, title: "Sine forecast" }),
    );
    assert.ok(svg.startsWith("<svg"));
    assert.deepEqual(markItems(svg, "line"), [1, 1, 1, 1], "truth and prediction in each of 2 panels");
    assert.deepEqual(markItems(svg, "area"), [1, 1], "one band per panel");
    assert.deepEqual(markItems(svg, "rule", "line"), [1, 1], "one context rule per panel");
    assert.match(svg, />Sine forecast</);
    assert.match(svg, />prediction</);
    assert.ok(colours(pngOf(svg)).size > 10);
  });

  it("leaves the band out without std, and puts the rule where the forecast starts", async () => {
    const spec = forecastSpec({ times, truth: [truth[0]], mean: [mean[0]], context: 15, title: "one" });
    const svg = await renderSvg(spec);
    assert.deepEqual(markItems(svg, "line"), [1, 1]);
    assert.deepEqual(markItems(svg, "area"), []);
    const rule = JSON.stringify(spec).match(/"values":\[\{"t":([\d.]+),"series":"end of context"\}\]/);
    assert.equal(Number(rule?.[1]), times[15]);
    assert.match(svg, />end of context</, "the rule is in the legend");
  });

  it("rejects mismatched lengths with the argument named", () => {
    const base = { times, truth, mean, context: 10, title: "x" };
    assert.throws(
      () => forecastSpec({ ...base, mean: [mean[0]] }),
      /mean: expected 2 dimension\(s\) like truth, got 1/,
    );
    assert.throws(
      () => forecastSpec({ ...base, mean: [mean[0], mean[1].slice(1)] }),
      /mean\[1\]: expected 40 values like times, got 39/,
    );
    assert.throws(() => forecastSpec({ ...base, std: [std[0], [1]] }), /std\[1\]: expected 40 values/);
    assert.throws(() => forecastSpec({ ...base, truth: [truth[0].slice(2), truth[1]] }), /truth\[0\]/);
    assert.throws(() => forecastSpec({ ...base, context: 41 }), /context: must be an integer in 0\.\.40/);
    assert.throws(() => forecastSpec({ ...base, times: [] }), /times: need at least one/);
  });
});

describe("imageGridSpec", () => {
  const W = 6;
  const H = 5;
  const images = Array.from({ length: 5 }, (_, n) =>
    Array.from({ length: W * H }, (_, i) => Math.sin(i * 0.7 + n) * 1.2),
  );

  it("draws one rect per pixel, a context outline per image and the titles", async () => {
    const titles = images.map((_, n) => `sample ${n}`);
    const spec = imageGridSpec({
      images,
      width: W,
      height: H,
      columns: 3,
      context: 14,
      titles,
      title: "Grid",
    });
    const svg = await renderSvg(spec);
    assert.ok(svg.startsWith("<svg"));
    assert.equal(sum(markItems(svg, "rect")), images.length * W * H, "cells = images × pixels");
    // context 14 of width 6: row 2, column 2 -> three segments of staircase per image
    assert.equal(sum(markItems(svg, "rule", "line")), 3 * images.length);
    assert.equal(sum(markItems(svg, "text", "text")), images.length);
    assert.match(svg, />sample 4</);
    assert.match(svg, />Grid</);
    const img = pngOf(svg);
    const cs = colours(img);
    assert.ok(cs.has(0x000000) && cs.has(0xffffff), "clamped values reach black and white");
    assert.ok(cs.size > 10);
  });

  it("uses a single straight segment when the context ends on a row", async () => {
    const svg = await renderSvg(
      imageGridSpec({ images: [images[0]], width: W, height: H, columns: 4, context: 12 }),
    );
    assert.equal(sum(markItems(svg, "rect")), W * H);
    assert.equal(sum(markItems(svg, "rule", "line")), 1);
  });

  it("rejects mismatched input with the argument named", () => {
    const base = { images, width: W, height: H, columns: 2, context: 3 };
    assert.throws(
      () => imageGridSpec({ ...base, images: [images[0], images[1].slice(1)] }),
      /images\[1\]: expected 30 pixels \(6×5\), got 29/,
    );
    assert.throws(
      () => imageGridSpec({ ...base, titles: ["a"] }),
      /titles: expected 5 \(one per image\), got 1/,
    );
    assert.throws(() => imageGridSpec({ ...base, context: 31 }), /context: must be an integer in 0\.\.30/);
    assert.throws(() => imageGridSpec({ ...base, columns: 0 }), /columns: must be a positive integer/);
    assert.throws(() => imageGridSpec({ ...base, images: [] }), /images: need at least one/);
  });
});

describe("writePlot", () => {
  it("writes <name>.svg and <name>.png and nothing else", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "warp-plots-")), "nested");
    const paths = await writePlot(dir, "loss", lossCurveSpec(records(8, true)));
    assert.deepEqual(readdirSync(dir).sort(), ["loss.png", "loss.svg"]);
    assert.equal(paths.svg, join(dir, "loss.svg"));
    assert.ok(readFileSync(paths.svg, "utf8").startsWith("<svg"));
    assert.ok(decodePng(new Uint8Array(readFileSync(paths.png))).width > 0);
  });

  it("rejects a name that is not a plain file name", async () => {
    await assert.rejects(
      writePlot(tmpdir(), "../x", lossCurveSpec(records(2, false))),
      /plot name "\.\.\/x"/,
    );
  });
});
