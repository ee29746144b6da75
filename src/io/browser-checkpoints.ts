// Checkpoints in the browser runtime: read one from a URL (fetch), a File or Blob, or IndexedDB; store one in
// IndexedDB or hand it to the user as a download. Every error is one WarpError naming where the checkpoint came
// from (the URL, the file name, the IndexedDB database and key) and what was wrong with it. Only web platform
// globals (fetch, Blob, indexedDB, document), looked up when called, so importing this in Node costs nothing.
// Not here: the checkpoint format itself (warp/checkpoint.ts).

import { WarpError } from "../util/assert.js";
import { type Checkpoint, loadCheckpoint } from "../warp/checkpoint.js";
import type { ModelConfig } from "../warp/config.js";
import type { WarpParams } from "../warp/params.js";

/** Options of the checkpoint readers. */
export interface ReadCheckpointOptions {
  /** The stored configuration must equal this one (the error names the first differing key). */
  expected?: ModelConfig;
}

/** Where checkpoints live in IndexedDB. */
export interface IndexedDBCheckpointOptions {
  /** Database name (default "warp-ts"); its object store is "checkpoints", values are the file's bytes. */
  database?: string;
}

const DEFAULT_DATABASE = "warp-ts";
const STORE = "checkpoints";

/** Decodes `bytes`, prefixing any error with the checkpoint's origin. */
function decodeFrom<P extends object>(
  bytes: Uint8Array,
  origin: string,
  options: ReadCheckpointOptions,
  hint = "",
): Checkpoint<P> {
  try {
    return loadCheckpoint<P>(bytes, options.expected);
  } catch (e) {
    if (!(e instanceof WarpError)) throw e;
    throw new WarpError(`checkpoint ${origin}: ${e.message.replace(/^checkpoint: /, "")}${hint}`);
  }
}

/**
 * Fetches a checkpoint (a .safetensors file written by `warp train` or `saveCheckpoint`) from `url`,
 * relative URLs resolved by fetch against the page. `init` is passed to fetch (headers, signal, …).
 */
export async function fetchCheckpoint<P extends object = WarpParams>(
  url: string | URL,
  options: ReadCheckpointOptions & { init?: RequestInit } = {},
): Promise<Checkpoint<P>> {
  const origin = String(url);
  let res: Response;
  try {
    res = await fetch(url, options.init);
  } catch (e) {
    throw new WarpError(`checkpoint ${origin}: could not be fetched (${(e as Error).message})`);
  }
  if (!res.ok) throw new WarpError(`checkpoint ${origin}: HTTP ${res.status} ${res.statusText}`.trimEnd());
  const type = res.headers.get("content-type") ?? "";
  const bytes = new Uint8Array(await res.arrayBuffer());
  return decodeFrom<P>(bytes, origin, options, /html/i.test(type) ? ` (the server sent ${type})` : "");
}

/** Reads a checkpoint from a File (e.g. from an <input type="file">) or any Blob. */
export async function readCheckpointFile<P extends object = WarpParams>(
  file: Blob,
  options: ReadCheckpointOptions = {},
): Promise<Checkpoint<P>> {
  const name = (file as { name?: unknown }).name;
  const origin = typeof name === "string" ? `file "${name}"` : `blob of ${file.size} bytes`;
  return decodeFrom<P>(new Uint8Array(await file.arrayBuffer()), origin, options);
}

// ---- IndexedDB (structural types: the library compiles without the DOM lib) -------------------------

interface IdbRequest<T> {
  result: T;
  error: { message: string } | null;
  onsuccess: (() => void) | null;
  onerror: (() => void) | null;
}
interface IdbOpenRequest extends IdbRequest<IdbDatabase> {
  onupgradeneeded: (() => void) | null;
  onblocked: (() => void) | null;
}
interface IdbStore {
  get(key: string): IdbRequest<unknown>;
  put(value: unknown, key: string): IdbRequest<unknown>;
  delete(key: string): IdbRequest<unknown>;
  getAllKeys(): IdbRequest<unknown[]>;
}
interface IdbTransaction {
  objectStore(name: string): IdbStore;
  oncomplete: (() => void) | null;
  onerror: (() => void) | null;
  onabort: (() => void) | null;
  error: { message: string } | null;
}
interface IdbDatabase {
  objectStoreNames: { contains(name: string): boolean };
  createObjectStore(name: string): unknown;
  transaction(store: string, mode: "readonly" | "readwrite"): IdbTransaction;
  close(): void;
}

const dbLabel = (database: string) => `IndexedDB database "${database}"`;

function openDb(database: string): Promise<IdbDatabase> {
  const factory = (globalThis as { indexedDB?: { open(name: string, version?: number): IdbOpenRequest } })
    .indexedDB;
  if (!factory) return Promise.reject(new WarpError(`${dbLabel(database)}: IndexedDB is not available here`));
  return new Promise((resolve, reject) => {
    const req = factory.open(database, 1);
    req.onupgradeneeded = () => {
      if (!req.result.objectStoreNames.contains(STORE)) req.result.createObjectStore(STORE);
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () =>
      reject(
        new WarpError(`${dbLabel(database)}: could not be opened (${req.error?.message ?? "unknown error"})`),
      );
    req.onblocked = () =>
      reject(new WarpError(`${dbLabel(database)}: blocked by another tab holding an older version open`));
  });
}

/** Runs one request on the checkpoint store and resolves with its result once the transaction commits. */
async function withStore<T>(
  database: string,
  mode: "readonly" | "readwrite",
  op: (store: IdbStore) => IdbRequest<T>,
): Promise<T> {
  const db = await openDb(database);
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const req = op(tx.objectStore(STORE));
      const fail = () =>
        reject(
          new WarpError(
            `${dbLabel(database)}: ${tx.error?.message ?? req.error?.message ?? "transaction failed"}`,
          ),
        );
      tx.oncomplete = () => resolve(req.result);
      tx.onerror = fail;
      tx.onabort = fail;
    });
  } finally {
    db.close();
  }
}

/** Stores checkpoint bytes (from `saveCheckpoint` or a file) under `key`, replacing what was there. */
export async function saveCheckpointToIndexedDB(
  key: string,
  bytes: Uint8Array,
  options: IndexedDBCheckpointOptions = {},
): Promise<void> {
  await withStore(options.database ?? DEFAULT_DATABASE, "readwrite", (s) => s.put(bytes.slice(), key));
}

/** Reads the checkpoint stored under `key`; a missing key is an error listing the keys that exist. */
export async function loadCheckpointFromIndexedDB<P extends object = WarpParams>(
  key: string,
  options: IndexedDBCheckpointOptions & ReadCheckpointOptions = {},
): Promise<Checkpoint<P>> {
  const database = options.database ?? DEFAULT_DATABASE;
  const value = await withStore(database, "readonly", (s) => s.get(key));
  if (value === undefined) {
    const keys = await listCheckpointsInIndexedDB(options);
    throw new WarpError(
      `${dbLabel(database)} has no checkpoint "${key}" (${keys.length ? `it has ${keys.map((k) => `"${k}"`).join(", ")}` : "it is empty"})`,
    );
  }
  if (!(value instanceof Uint8Array))
    throw new WarpError(`${dbLabel(database)}: the value under "${key}" is not checkpoint bytes`);
  return decodeFrom<P>(value, `"${key}" in ${dbLabel(database)}`, options);
}

/** The keys of the checkpoints stored in IndexedDB, sorted. */
export async function listCheckpointsInIndexedDB(
  options: IndexedDBCheckpointOptions = {},
): Promise<string[]> {
  const keys = await withStore(options.database ?? DEFAULT_DATABASE, "readonly", (s) => s.getAllKeys());
  return keys.map(String).sort();
}

/** Removes the checkpoint stored under `key` (nothing happens when there is none). */
export async function deleteCheckpointFromIndexedDB(
  key: string,
  options: IndexedDBCheckpointOptions = {},
): Promise<void> {
  await withStore(options.database ?? DEFAULT_DATABASE, "readwrite", (s) => s.delete(key));
}

/** Offers checkpoint bytes to the user as a file download named `filename` (on a page's main thread). */
export function downloadCheckpoint(bytes: Uint8Array, filename = "model.safetensors"): void {
  const doc = (globalThis as { document?: DocumentLike }).document;
  if (!doc)
    throw new WarpError(
      `downloadCheckpoint("${filename}"): needs a page's document (in a worker, post the bytes to the page)`,
    );
  const url = URL.createObjectURL(new Blob([bytes.slice()], { type: "application/octet-stream" }));
  const a = doc.createElement("a");
  a.href = url;
  a.download = filename;
  doc.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30_000); // after the browser has started reading it
}

interface DocumentLike {
  createElement(tag: "a"): { href: string; download: string; click(): void; remove(): void };
  body: { appendChild(node: unknown): unknown };
}
