// The JSON API, called with the key the user pasted. The key lives in sessionStorage (this tab,
// this session) and in the X-API-KEY header of each request: never in a cookie or a URL.

const STORAGE = "filmstack.apiKey";

export class ApiError extends Error {
  constructor(status, detail, headers = null) {
    super(ApiError.describe(status, detail));
    this.status = status;
    this.detail = detail;
    this.headers = headers;
  }

  /** 412: someone else changed the record since we read it; nothing was written. */
  get isConflict() {
    return this.status === 412;
  }

  /** Problems in FastAPI's list shape ([{loc, msg}]), or [] when the detail is a plain text. */
  get problems() {
    return Array.isArray(this.detail) ? this.detail : [];
  }

  static describe(status, detail) {
    if (typeof detail === "string") return detail;
    if (Array.isArray(detail) && detail.length) {
      return detail.map((p) => p.msg).join("; ");
    }
    if (status === 0) return "The server could not be reached.";
    return `The server answered ${status}.`;
  }
}

export function getKey() {
  return sessionStorage.getItem(STORAGE);
}

export function setKey(key) {
  sessionStorage.setItem(STORAGE, key);
}

export function forgetKey() {
  sessionStorage.removeItem(STORAGE);
}

const listeners = new Set();
/** Called with the ApiError whenever the stored key stops being accepted (401). */
export function onUnauthorized(fn) {
  listeners.add(fn);
}

function buildUrl(path, query) {
  const url = new URL(path, window.location.origin);
  for (const [name, value] of Object.entries(query || {})) {
    if (value === null || value === undefined || value === "") continue;
    for (const v of Array.isArray(value) ? value : [value]) url.searchParams.append(name, v);
  }
  return url.pathname + url.search;
}

/** A random UUID (v4) for an Idempotency-Key; crypto.randomUUID needs HTTPS, this does not. */
export function newIdempotencyKey() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * One API call. Resolves to {data, headers}; rejects with ApiError (status 0 when the network
 * failed). Pass {key} to try a key that is not stored yet (signing in), {ifMatch} to make a
 * write conditional on the ETag read (412 if someone saved first), {idempotencyKey} on creates.
 */
export async function request(
  method,
  path,
  { body, query, key, signal, accept, ifMatch, idempotencyKey } = {},
) {
  const apiKey = key ?? getKey();
  const headers = { "X-API-KEY": apiKey || "" };
  if (accept) headers.Accept = accept;
  if (ifMatch) headers["If-Match"] = ifMatch;
  if (idempotencyKey) headers["Idempotency-Key"] = idempotencyKey;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(buildUrl(path, query), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
      credentials: "omit",
      cache: "no-store",
    });
  } catch (err) {
    if (err.name === "AbortError") throw err;
    throw new ApiError(0, null);
  }
  if (!response.ok) {
    let detail = null;
    try {
      detail = (await response.json()).detail;
    } catch {
      detail = null;
    }
    const error = new ApiError(response.status, detail, response.headers);
    if (response.status === 401 && key === undefined) listeners.forEach((fn) => fn(error));
    throw error;
  }
  if (response.status === 204) return { data: null, headers: response.headers };
  const type = response.headers.get("Content-Type") || "";
  const data = type.includes("json") ? await response.json() : await response.text();
  return { data, headers: response.headers };
}

export const api = {
  /** Checks a key by reading one row; 401 means unknown or revoked, 403 a missing read scope. */
  check: (key) => request("GET", "/target-materials/", { query: { limit: 1 }, key }),
  list: (filters, cursor, limit) =>
    request("GET", "/target-materials/", { query: { ...filters, limit, cursor } }),
  get: (id) => request("GET", `/target-materials/${id}`),
  create: (body, idempotencyKey) =>
    request("POST", "/target-materials/", {
      body,
      idempotencyKey: idempotencyKey || newIdempotencyKey(),
    }),
  update: (id, body, ifMatch) => request("PATCH", `/target-materials/${id}`, { body, ifMatch }),
  replaceStack: (id, layers, ifMatch) =>
    request("POST", `/target-materials/${id}/layers`, {
      body: layers,
      ifMatch,
      idempotencyKey: newIdempotencyKey(),
    }),
  remove: (id, ifMatch) => request("DELETE", `/target-materials/${id}`, { ifMatch }),
  history: (id, cursor, limit) =>
    request("GET", `/target-materials/${id}/history`, { query: { cursor, limit } }),
  trash: (cursor, limit) => request("GET", "/trash/", { query: { cursor, limit } }),
  restore: (id) => request("POST", `/trash/${id}/restore`),
  revert: (id, revision, ifMatch) =>
    request("POST", `/target-materials/${id}/revert`, { body: { revision }, ifMatch }),
  parse: (prompt, signal) =>
    request("POST", "/target-materials/parse", { body: { prompt }, signal }),
  svg: (id) => request("GET", `/target-materials/${id}/stack.svg`, { accept: "image/svg+xml" }),
  epitaxy: (id) => request("GET", `/target-materials/${id}/epitaxy`),
  epitaxyOf: (prompt, signal) => request("POST", "/epitaxy", { body: { prompt }, signal }),
};

/** Group the list endpoint's flattened rows (one per layer) into materials with layers. */
export function groupRows(rows) {
  const byId = new Map();
  for (const row of rows) {
    let material = byId.get(row.sample_id);
    if (!material) {
      material = {
        sample_id: row.sample_id,
        sample_name: row.sample_name,
        substrate: row.substrate,
        last_updated: row.last_updated,
        user_name: row.user_name,
        layers: [],
      };
      byId.set(row.sample_id, material);
    }
    if (row.layer_id !== null && row.layer_id !== undefined) {
      material.layers.push({
        layer_id: row.layer_id,
        composition_string: row.composition_string,
        orientation: row.orientation,
        thickness_nm: row.thickness_nm,
      });
    }
  }
  return [...byId.values()];
}
