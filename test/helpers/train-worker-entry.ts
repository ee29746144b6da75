// A worker_threads entry serving training requests, for test/worker/train-worker.test.ts. (node --test also
// runs every file under dist/test as a test file: on the main thread, where parentPort is null, it does nothing.)

import { parentPort } from "node:worker_threads";
import { serveTraining } from "../../src/index.js";

if (parentPort) serveTraining(parentPort);
