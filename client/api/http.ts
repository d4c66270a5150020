/** One problem of a flow document (JSON path + message), as the server reports it. */
export interface Problem {
  path: string;
  message: string;
}

/** Any non-2xx answer of the API, turned into an Error that keeps the server's code, hint and problems. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly hint: string;
  readonly problems: Problem[];

  constructor(status: number, code: string, message: string, hint = '', problems: Problem[] = []) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.hint = hint;
    this.problems = problems;
  }
}

type Body = unknown;

/** The session's CSRF token (GET /api/auth/status); null while login is off or not signed in. */
let csrfToken: string | null = null;

export function setCsrfToken(token: string | null | undefined): void {
  csrfToken = token ?? null;
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The X-CSRF-Token header for a state-changing request (also for `fetch` calls made outside `request`). */
export function csrfHeaders(method = 'POST'): Record<string, string> {
  return csrfToken && STATE_CHANGING.has(method.toUpperCase()) ? { 'x-csrf-token': csrfToken } : {};
}

/** The session is missing or ended: go to the sign-in page, then come back. */
export function redirectToLogin(): void {
  const { pathname, search } = window.location;
  if (pathname === '/login') return;
  window.location.assign(`/login?next=${encodeURIComponent(pathname + search)}`);
}

async function toApiError(res: Response): Promise<ApiError> {
  let payload: unknown = null;
  try {
    payload = await res.json();
  } catch {
    /* not JSON */
  }
  const err = (payload as { error?: Record<string, unknown> } | null)?.error;
  if (err && typeof err === 'object') {
    return new ApiError(
      res.status,
      String(err.code ?? `HTTP_${res.status}`),
      String(err.message ?? res.statusText),
      typeof err.hint === 'string' ? err.hint : '',
      Array.isArray(err.problems) ? (err.problems as Problem[]) : [],
    );
  }
  return new ApiError(res.status, `HTTP_${res.status}`, `The server answered ${res.status} ${res.statusText}.`, 'Try again in a moment.');
}

export async function request<T>(method: string, path: string, body?: Body, init: RequestInit = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), accept: 'application/json', ...csrfHeaders(method) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      ...init,
    });
  } catch (e) {
    throw new ApiError(0, 'E_NETWORK', 'The Conveyor server cannot be reached.', 'Check that the server is running, then try again.');
  }
  if (!res.ok) {
    const err = await toApiError(res);
    if (res.status === 401 && !path.startsWith('/api/auth/')) redirectToLogin();
    throw err;
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/**
 * Sends a file as the request body, as it is (the server streams or keeps it): an uploaded
 * spreadsheet, a file chosen in a node's form. Errors as `request` gives them.
 */
export async function postFile<T>(path: string, file: Blob, contentType = 'application/octet-stream'): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, { method: 'POST', headers: { 'content-type': contentType, accept: 'application/json', ...csrfHeaders('POST') }, body: file });
  } catch {
    throw new ApiError(0, 'E_NETWORK', 'The Conveyor server cannot be reached.', 'Check that the server is running, then try again.');
  }
  const payload = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string; hint?: string } } | T | null;
  if (!res.ok) {
    const err = (payload as { error?: { code?: string; message?: string; hint?: string } } | null)?.error;
    throw new ApiError(res.status, err?.code ?? `HTTP_${res.status}`, err?.message ?? `The upload failed (${res.status}).`, err?.hint ?? '');
  }
  return payload as T;
}

export const api = {
  get: <T>(path: string) => request<T>('GET', path),
  post: <T>(path: string, body?: Body) => request<T>('POST', path, body ?? {}),
  put: <T>(path: string, body: Body) => request<T>('PUT', path, body),
  patch: <T>(path: string, body: Body) => request<T>('PATCH', path, body),
  del: <T>(path: string) => request<T>('DELETE', path),
};

/** A readable one-liner for any thrown value. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}
