// A worker_threads entry serving training requests, for test/worker/train-worker.test.ts.

import { parentPort } from "node:worker_threads";
import { serveTraining } from "../../src/index.js";

serveTraining(parentPort!);
