// Browser Web Worker entry: serves training requests (src/worker/train-worker.ts).

import { serveTraining } from "../../../src/index.js";

serveTraining(self);
