// The public API (portal/README.md), on the portal's own origin: no key, no cookies.
import { t } from "./i18n.js";

export class ApiError extends Error {}

const TIMEOUT_MS = 20000;

/** {status, ok, data} for any answer; throws ApiError only when nothing usable came back. */
export async function call(method, path, body) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: body === undefined ? { accept: "application/json" } : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit",
      cache: "no-store",
      signal: controller.signal,
    });
  } catch {
    throw new ApiError(t("net_error"));
  } finally {
    clearTimeout(timer);
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  return { status: response.status, ok: response.ok, data };
}

/** What to tell the reader about an answer that is not what was asked for. */
export function problem(result) {
  const message = result.data && typeof result.data.message === "string" ? result.data.message : "";
  if (result.status === 429 && (!message || !/[\u4e00-\u9fff]/.test(message))) return t("busy");
  if (result.status >= 500 || !message) return t("server_error");
  return message;
}

let everything = null;

/** GET /public/items; the unfiltered answer is kept for the session (departments, the guide). */
export async function items(q = "", dept = "") {
  if (!q && !dept && everything) return everything;
  const query = new URLSearchParams();
  if (q) query.set("q", q);
  if (dept) query.set("dept_code", dept);
  const suffix = query.toString() ? `?${query}` : "";
  const result = await call("GET", `/public/items${suffix}`);
  if (!result.ok || !result.data) throw new ApiError(problem(result));
  if (!q && !dept) everything = result.data;
  return result.data;
}

export async function departments() {
  const all = await items();
  return all.departments || [];
}
