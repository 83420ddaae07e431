// The only way the page talks to the server: the /v1 API, errors as ApiProblem.

/**
 * An API error, {code, message, field, value, suggestions}, or a network failure said the same
 * way. `value` is the offending value as given (cut to 100 characters), or null when the error
 * names none or the server is older than the key. The page reads ids from `value`, `field` and
 * `suggestions`; `message` is only ever shown, never parsed.
 */
export class ApiProblem extends Error {
  constructor(status, error) {
    super(error.message);
    this.status = status;
    this.code = error.code;
    this.field = error.field ?? null;
    this.value = typeof error.value === "string" ? error.value : null;
    this.suggestions = error.suggestions ?? [];
  }
}

/** GET path?params as JSON; throws ApiProblem (or AbortError when `signal` aborts). */
export async function getJSON(path, params, signal) {
  const response = await request(path, params, signal, "application/json");
  return response.json();
}

/** GET path?params as text (an SVG diagram); throws ApiProblem like getJSON. */
export async function getText(path, params, signal) {
  const response = await request(path, params, signal, "*/*");
  return response.text();
}

/** The URL of path?params, for links (exports) as well as fetches. */
export function apiUrl(path, params) {
  const query = params ? new URLSearchParams(params).toString() : "";
  return query ? `${path}?${query}` : path;
}

async function request(path, params, signal, accept) {
  let response;
  try {
    response = await fetch(apiUrl(path, params), { signal, headers: { accept } });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiProblem(0, {
      code: "network",
      message: "The server could not be reached. Is it still running?",
    });
  }
  if (response.ok) return response;
  let body = null;
  try {
    body = await response.json();
  } catch {
    // Not one of ours (a proxy's HTML page, say): fall through to a generic message.
  }
  throw new ApiProblem(
    response.status,
    body?.error ?? { code: "http", message: `The server answered ${response.status}.` },
  );
}
