// The demo's Web Worker: serves training requests from the page (warp-ts serveTraining).
import { type Endpoint, serveTraining } from "../src/web.js";

serveTraining(self as unknown as Endpoint);
