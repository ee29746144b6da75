// Tests of the browser runtime's checkpoint readers (src/io/browser-checkpoints.ts) where Node has the same web
// globals (fetch, Blob, File): a checkpoint from a URL and from a File equals the saved one, and the errors name
// the URL or file and what was wrong (HTTP 404, an HTML page instead of safetensors bytes, another model's
// configuration), and IndexedDB / download say they are unavailable outside a page. IndexedDB and the download
// themselves run in Chromium (test/browser/browser.test.ts, pages/checkpoints.js).

import assert from "node:assert/strict";
import { createServer } from "node:http";
import { after, before, describe, it } from "node:test";
import {
  downloadCheckpoint,
  fetchCheckpoint,
  loadCheckpointFromIndexedDB,
  randomKey,
  readCheckpointFile,
  resolveModelConfig,
  saveCheckpoint,
  saveCheckpointToIndexedDB,
  WarpError,
  WarpModel,
} from "../../src/index.js";

const config = resolveModelConfig({ data_size: 1, root_width_size: 4, root_depth: 1 });
const model = new WarpModel(config);
const params = model.init(randomKey(3));
/** Every stored tensor's values by checkpoint name. */
const valuesOf = (p: typeof params) =>
  Object.fromEntries(Object.entries(model.namedParams(p)).map(([k, t]) => [k, Array.from(t.data)]));
const bytes = saveCheckpoint(config, params);

describe("browser checkpoints (Node's web globals)", () => {
  let base = "";
  const server = createServer((req, res) => {
    if (req.url === "/model.safetensors")
      res.writeHead(200, { "content-type": "application/octet-stream" }).end(bytes);
    else if (req.url === "/page")
      res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><p>hi</p>");
    else res.writeHead(404, "Not Found").end();
  });
  before(async () => {
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(() => server.close());

  it("fetchCheckpoint reads what saveCheckpoint wrote", async () => {
    const ck = await fetchCheckpoint(`${base}/model.safetensors`, { expected: config });
    assert.deepEqual(ck.config, config);
    assert.deepEqual(valuesOf(ck.params), valuesOf(params));
  });

  it("fetchCheckpoint errors name the URL and the HTTP status or the content", async () => {
    await assert.rejects(fetchCheckpoint(`${base}/missing.safetensors`), {
      name: "WarpError",
      message: `checkpoint ${base}/missing.safetensors: HTTP 404 Not Found`,
    });
    await assert.rejects(
      fetchCheckpoint(`${base}/page`),
      (e: Error) =>
        e instanceof WarpError &&
        e.message.startsWith(`checkpoint ${base}/page: not a safetensors file: `) &&
        e.message.endsWith("(the server sent text/html)"),
    );
    await assert.rejects(fetchCheckpoint("http://127.0.0.1:1/x.safetensors"), {
      message: /^checkpoint http:\/\/127\.0\.0\.1:1\/x\.safetensors: could not be fetched \(/,
    });
    const other = resolveModelConfig({ data_size: 1, root_width_size: 5, root_depth: 1 });
    await assert.rejects(fetchCheckpoint(`${base}/model.safetensors`, { expected: other }), {
      message: `checkpoint ${base}/model.safetensors: saved with root_width_size = 4, but the configuration has root_width_size = 5`,
    });
  });

  it("readCheckpointFile reads a File or a Blob; errors name the file", async () => {
    const ck = await readCheckpointFile(new File([bytes], "model.safetensors"));
    assert.deepEqual(valuesOf(ck.params), valuesOf(params));
    await readCheckpointFile(new Blob([bytes]));
    await assert.rejects(readCheckpointFile(new File(["a,b\n1,2\n"], "series.csv")), {
      message: /^checkpoint file "series\.csv": not a safetensors file: /,
    });
    await assert.rejects(readCheckpointFile(new Blob([new Uint8Array(3)])), {
      message: /^checkpoint blob of 3 bytes: not a safetensors file: 3 bytes/,
    });
  });

  it("IndexedDB and downloads say they need a browser", async () => {
    await assert.rejects(loadCheckpointFromIndexedDB("k"), {
      message: 'IndexedDB database "warp-ts": IndexedDB is not available here',
    });
    await assert.rejects(saveCheckpointToIndexedDB("k", bytes), { name: "WarpError" });
    assert.throws(() => downloadCheckpoint(bytes, "m.safetensors"), {
      message:
        'downloadCheckpoint("m.safetensors"): needs a page\'s document (in a worker, post the bytes to the page)',
    });
  });
});
