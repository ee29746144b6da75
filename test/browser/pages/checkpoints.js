// Browser page: checkpoints from a URL, a File and IndexedDB, saved to IndexedDB, errors for a 404, a file that
// is not safetensors and a missing IndexedDB key; what happened lands in globalThis.__warpCheckpoints, and
// globalThis.__warpDownload() offers the served checkpoint as a download (the test catches it).

import {
  deleteCheckpointFromIndexedDB,
  downloadCheckpoint,
  fetchCheckpoint,
  listCheckpointsInIndexedDB,
  loadCheckpointFromIndexedDB,
  readCheckpointFile,
  saveCheckpointToIndexedDB,
} from "../../../src/web.js";

const out = {};
const errorOf = async (p) => {
  try {
    await p;
    return "no error";
  } catch (e) {
    return `${e.name}: ${e.message}`;
  }
};
const aOf = (ck) => Array.from(ck.params.A.data);

const bytes = new Uint8Array(await (await fetch("./model.safetensors")).arrayBuffer());
const fetched = await fetchCheckpoint("./model.safetensors");
out.fetchedWidth = fetched.config.root_width_size;
out.missing = await errorOf(fetchCheckpoint("./missing.safetensors"));
out.notSafetensors = await errorOf(
  readCheckpointFile(new File(["date,value\n2020-01-01,3\n"], "series.csv")),
);
out.fileEqual =
  JSON.stringify(aOf(await readCheckpointFile(new File([bytes], "m.safetensors")))) ===
  JSON.stringify(aOf(fetched));

await saveCheckpointToIndexedDB("co2", bytes);
await saveCheckpointToIndexedDB("other", bytes, { database: "elsewhere" });
out.keys = await listCheckpointsInIndexedDB();
out.idbEqual = JSON.stringify(aOf(await loadCheckpointFromIndexedDB("co2"))) === JSON.stringify(aOf(fetched));
out.missingKey = await errorOf(loadCheckpointFromIndexedDB("c02"));
await deleteCheckpointFromIndexedDB("co2");
out.keysAfterDelete = await listCheckpointsInIndexedDB();
out.missingEmpty = await errorOf(loadCheckpointFromIndexedDB("co2"));
out.otherKeys = await listCheckpointsInIndexedDB({ database: "elsewhere" });

globalThis.__warpDownload = () => downloadCheckpoint(bytes, "page.safetensors");
globalThis.__warpCheckpoints = out;
