// Every call goes to Roughy's own /v1 (and /api/v1 for sign-in and keys) with the session cookie.

export class ApiError extends Error {
  constructor(status, code, message, fields) {
    super(message);
    this.status = status;
    this.code = code;
    this.fields = fields || [];
  }
}

export async function api(method, path, body) {
  const init = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (err) {
    throw new ApiError(0, "network", "Roughy cannot be reached. Check your connection and retry.");
  }
  if (response.status === 204) return null;
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (!response.ok) {
    const error = (data && data.error) || {};
    const detail = data && data.detail;
    const message = error.message || (typeof detail === "string" ? detail : null) ||
      (detail && detail.message) ||
      (Array.isArray(detail) && detail[0] && `${(detail[0].loc || []).slice(-1)[0] || "input"}: ${detail[0].msg}`) ||
      `Request failed (${response.status}).`;
    const code = error.code || (data && data.code) || (detail && detail.code) || "error";
    throw new ApiError(response.status, code, message, error.fields);
  }
  return data;
}

export const get = (path) => api("GET", path);
export const post = (path, body) => api("POST", path, body === undefined ? {} : body);
export const patch = (path, body) => api("PATCH", path, body);
export const del = (path) => api("DELETE", path);

export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(key, value);
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}
