// Validates rendered Kubernetes objects offline (no cluster): node validate.mjs FILE.yaml…
// (multi-document YAML, e.g. the output of `kubectl kustomize`). For each object:
//  1. kubernetes-models: `new Kind(obj).validate()` — the API's OpenAPI schema (types, enums,
//     required fields);
//  2. @kubernetes/client-node's generated models: walks every field against the model's
//     attributeTypeMap and reports a field the API does not have (a misspelled optional field,
//     which the schema validation lets through — the API server would silently drop it);
//  3. custom resources (custom-resources.mjs): the same walk against a field list.
// Prints one line per problem and exits 1 when there is any.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import * as models from "@kubernetes/client-node/dist/gen/models/all.js";
import { customResources } from "./custom-resources.mjs";

const problems = [];
let checked = 0;

for (const file of process.argv.slice(2)) {
  const documents = parseAllDocuments(readFileSync(file, "utf8"));
  for (const document of documents) {
    if (document.errors.length > 0) {
      problems.push(`${file}: YAML: ${document.errors.map(e => e.message).join("; ")}`);
      continue;
    }
    const obj = document.toJS();
    if (obj === null || obj === undefined) continue;
    const where = `${file}: ${obj.kind ?? "?"}/${obj.metadata?.name ?? "?"}`;
    for (const problem of await validate(obj)) problems.push(`${where}: ${problem}`);
    checked++;
  }
}

for (const p of problems) console.log(p);
console.log(`${checked} objects checked, ${problems.length} problems`);
process.exit(problems.length === 0 && checked > 0 ? 0 : 1);

async function validate(obj) {
  if (typeof obj.apiVersion !== "string" || typeof obj.kind !== "string") return ["apiVersion and kind are required"];
  if (!obj.metadata?.name) return ["metadata.name is required"];
  const custom = customResources[`${obj.apiVersion}/${obj.kind}`];
  if (custom) return validateCustom(obj, custom);

  const errors = [];
  let Model;
  try {
    Model = (await import(`kubernetes-models/${obj.apiVersion}`))[obj.kind];
  } catch {
    Model = undefined;
  }
  if (!Model) return [`unknown apiVersion/kind ${obj.apiVersion}/${obj.kind}`];
  try {
    new Model(obj).validate();
  } catch (e) {
    errors.push(`schema: ${e.message}`);
  }

  const className = modelClassName(obj.apiVersion, obj.kind);
  if (!models[className]) errors.push(`no field model ${className} in @kubernetes/client-node`);
  else walk(obj, className, "", errors);
  return errors;
}

// apps/v1 Deployment → V1Deployment; autoscaling/v2 HorizontalPodAutoscaler → V2HorizontalPodAutoscaler.
function modelClassName(apiVersion, kind) {
  const version = apiVersion.split("/").pop();
  return version.charAt(0).toUpperCase() + version.slice(1) + kind;
}

function walk(value, type, path, errors) {
  if (value === null || value === undefined) return;
  const array = /^Array<(.+)>$/.exec(type);
  if (array) {
    if (!Array.isArray(value)) { errors.push(`${path}: expected a list`); return; }
    value.forEach((item, i) => walk(item, array[1], `${path}[${i}]`, errors));
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    if (typeof value !== "object" || Array.isArray(value)) { errors.push(`${path}: expected a map`); return; }
    for (const [k, v] of Object.entries(value)) walk(v, map[1], `${path}.${k}`, errors);
    return;
  }
  const model = models[type];
  if (!model || typeof model.getAttributeTypeMap !== "function") return; // string, number, IntOrString, Date, any…
  if (typeof value !== "object" || Array.isArray(value)) { errors.push(`${path}: expected an object (${type})`); return; }
  const fields = new Map(model.getAttributeTypeMap().map(a => [a.baseName, a.type]));
  for (const [k, v] of Object.entries(value)) {
    const child = path ? `${path}.${k}` : k;
    if (!fields.has(k)) errors.push(`${child}: unknown field (not in ${type})`);
    else walk(v, fields.get(k), child, errors);
  }
}

function validateCustom(obj, custom) {
  const errors = [];
  for (const key of Object.keys(obj)) {
    if (!["apiVersion", "kind", "metadata", ...Object.keys(custom.fields)].includes(key)) errors.push(`${key}: unknown field`);
  }
  walk(obj.metadata, "V1ObjectMeta", "metadata", errors);
  for (const r of custom.required) if (obj[r] === undefined) errors.push(`${r} is required`);
  for (const [key, shape] of Object.entries(custom.fields)) walkCustom(obj[key], shape, key, errors);
  if (custom.check) errors.push(...custom.check(obj));
  return errors;
}

function walkCustom(value, shape, path, errors) {
  if (value === null || value === undefined) return;
  if (typeof shape === "string") {
    const ok = {
      string: typeof value === "string",
      integer: Number.isInteger(value),
      boolean: typeof value === "boolean",
      quantity: typeof value === "string" || typeof value === "number",
      object: typeof value === "object" && !Array.isArray(value),
    }[shape];
    if (!ok) errors.push(`${path}: expected ${shape}`);
    return;
  }
  if (shape.type === "array") {
    if (!Array.isArray(value)) { errors.push(`${path}: expected a list`); return; }
    value.forEach((item, i) => walkCustom(item, shape.items, `${path}[${i}]`, errors));
    return;
  }
  if (shape.type === "map") {
    if (typeof value !== "object" || Array.isArray(value)) { errors.push(`${path}: expected a map`); return; }
    for (const [k, v] of Object.entries(value)) walkCustom(v, shape.values, `${path}.${k}`, errors);
    return;
  }
  if (typeof value !== "object" || Array.isArray(value)) { errors.push(`${path}: expected an object`); return; }
  for (const [k, v] of Object.entries(value)) {
    if (!(k in shape) || k === "type" && typeof shape.type !== "string") errors.push(`${path}.${k}: unknown field`);
    else walkCustom(v, shape[k], `${path}.${k}`, errors);
  }
}
