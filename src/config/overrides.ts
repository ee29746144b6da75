// `--set section.key=value` overrides of a run configuration and the YAML parser the configurations are
// read with (the reference's yaml.safe_load rules).
// Not here: validating the result (run-config.ts).

import { parse } from "yaml";
import { WarpError } from "../util/assert.js";
import { RUN_SECTIONS } from "./run-schema.js";
import { isMapping, type Raw, show } from "./validate.js";

/** Parses YAML the way the reference's yaml.safe_load does (YAML 1.1: yes/no booleans; a repeated key keeps
 * its last value). Errors are WarpErrors with the parser's first line. */
export function parseConfigYaml(text: string): unknown {
  try {
    return parse(text, { version: "1.1", uniqueKeys: false });
  } catch (e) {
    throw new WarpError(`invalid YAML: ${(e as Error).message.split("\n")[0]}`);
  }
}

const SET_FORM = "section.key=value (or optimizer.on_plateau.key=value)";

/**
 * Applies `--set section.key=value` overrides to a parsed document and returns a new document (the input is
 * not modified). Values are YAML: numbers, true/false, null, strings, flow lists like [1,0,1,0]. Paths have two
 * levels, or three under optimizer.on_plateau; unknown keys are left for resolveRunConfig to report.
 */
export function applyOverrides(doc: unknown, sets: readonly string[]): Raw {
  if (doc === null || doc === undefined) doc = {};
  if (!isMapping(doc))
    throw new WarpError(
      `a run configuration is a mapping with sections ${RUN_SECTIONS.join(", ")}; got ${show(doc)}`,
    );
  const out = structuredClone(doc) as Raw;
  for (const set of sets) {
    const eq = set.indexOf("=");
    if (eq < 0) throw new WarpError(`--set ${set}: missing "=": expected ${SET_FORM}`);
    const path = set.slice(0, eq).trim();
    const text = set.slice(eq + 1).trim();
    const parts = path.split(".");
    if (path === "" || parts.some((p) => p === ""))
      throw new WarpError(`--set ${set}: empty key path: expected ${SET_FORM}`);
    const plateau = parts.length === 3 && parts[0] === "optimizer" && parts[1] === "on_plateau";
    if (parts.length !== 2 && !plateau)
      throw new WarpError(`--set ${set}: "${path}" has ${parts.length} level(s): expected ${SET_FORM}`);
    if (text === "") throw new WarpError(`--set ${set}: empty value (write ${path}=null for null)`);
    let value: unknown;
    try {
      value = parseConfigYaml(text);
    } catch (e) {
      throw new WarpError(`--set ${set}: ${(e as Error).message}`);
    }
    if (isMapping(value) && path !== "optimizer.on_plateau")
      throw new WarpError(
        `--set ${set}: the value is a mapping; expected a number, boolean, null, string or [list]`,
      );
    let node: Raw = out;
    for (const [i, p] of parts.slice(0, -1).entries()) {
      const next = node[p];
      if (next === undefined || next === null) node[p] = {};
      else if (!isMapping(next))
        throw new WarpError(
          `--set ${set}: "${parts.slice(0, i + 1).join(".")}" is ${show(next)}, not a mapping`,
        );
      node = node[p] as Raw;
    }
    node[parts[parts.length - 1]!] = value;
  }
  return out;
}
