// The typed API client: openapi-fetch over the generated schema; the resource modules beside it build hooks on it.
// Every failed call throws an `ApiError` carrying the server's `{"error": {"code", "message"}}`; a 401 also tells
// the listeners of `onSignedOut` (the app then asks to sign in).
import createFetchClient, { type Middleware } from 'openapi-fetch';
import createQueryClient from 'openapi-react-query';
import type { components, paths } from './schema';

export type Schemas = components['schemas'];
export type Block = Schemas['BlockDto'];
export type BlockRun = Schemas['BlockRunDto'];
export type Run = Schemas['RunDto'];
export type RunPage = Schemas['RunPage'];
export type Trigger = Schemas['TriggerDto'];
export type TriggerInput = Schemas['TriggerInput'];
export type PipelineDetail = Schemas['PipelineDetail'];
export type PipelineSummary = Schemas['PipelineSummary'];
export type Output = Schemas['OutputDto'];
export type TablePreview = Schemas['TablePreviewDto'];
export type LogLine = Schemas['LogLineDto'];
export type FileEntry = Schemas['FileEntryDto'];
export type FileContent = Schemas['FileContentDto'];
export type Template = Schemas['TemplateDto'];
export type Settings = Schemas['SettingsDto'];
export type Project = Schemas['ProjectDto'];
export type RunStatus = Schemas['RunStatus'];
export type BlockRunStatus = Schemas['BlockRunStatus'];
export type TriggerStatus = Schemas['TriggerStatus'];
export type ScheduleType = Schemas['ScheduleType'];
export type Role = Schemas['Role'];
export type User = Schemas['User'];
export type Me = Schemas['MeDto'];
export type ApiToken = Schemas['TokenDto'];
export type NewApiToken = Schemas['NewTokenDto'];
export type AuditEntry = Schemas['AuditEntryDto'];
export type Backfill = Schemas['BackfillDto'];
export type BackfillInput = Schemas['BackfillInput'];
export type PlannedRun = Schemas['PlannedRunDto'];
export type StreamState = Schemas['StreamStateDto'];
export type StreamAction = Schemas['StreamAction'];

export const API_PREFIX = '/api/v1';

/** An answer of the server that was not a success, or a server that could not be reached. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

/** Reads the error body of a failed response; falls back to the status line. */
export async function apiErrorFrom(response: Response): Promise<ApiError> {
  let code = 'http_' + String(response.status);
  let message = `${String(response.status)} ${response.statusText || 'error'}`.trim();
  try {
    const body: unknown = await response.clone().json();
    if (body && typeof body === 'object' && 'error' in body) {
      const detail = (body as { error: unknown }).error;
      if (detail && typeof detail === 'object') {
        const d = detail as { code?: unknown; message?: unknown };
        if (typeof d.code === 'string') code = d.code;
        if (typeof d.message === 'string') message = d.message;
      }
    }
  } catch {
    // Not JSON: keep the status line.
  }
  // A refusal for a role says so before the server's reason ("this needs the editor role or higher; ...").
  if (code === 'forbidden') message = `Not allowed: ${message}`;
  return new ApiError(response.status, code, message);
}

const signedOutListeners = new Set<() => void>();

/**
 * Calls `listener` whenever the server answers 401 to a call other than signing in: the session ended (signed out
 * elsewhere, expired, its password changed) or there never was one. Returns the function that stops listening.
 */
export function onSignedOut(listener: () => void): () => void {
  signedOutListeners.add(listener);
  return () => {
    signedOutListeners.delete(listener);
  };
}

const errors: Middleware = {
  async onResponse({ request, response }) {
    if (response.status === 401 && !(request.method === 'POST' && new URL(request.url).pathname.endsWith('/sessions'))) {
      for (const listener of [...signedOutListeners]) listener();
    }
    if (!response.ok) throw await apiErrorFrom(response);
    return undefined;
  },
  onError({ error }) {
    if (error instanceof ApiError) return error;
    if (error instanceof Error && error.name === 'AbortError') return error;
    return new ApiError(0, 'network', 'Cannot reach the Wand server. Is `wand start` running?');
  },
};

/**
 * The server takes state changes only as JSON (a cross-site form cannot send that), so a POST, PUT or PATCH with
 * nothing to say sends `{}`.
 */
const jsonBodies: Middleware = {
  onRequest({ request }) {
    if (!['POST', 'PUT', 'PATCH'].includes(request.method) || request.body !== null) return undefined;
    const headers = new Headers(request.headers);
    headers.set('Content-Type', 'application/json');
    return new Request(request.url, { method: request.method, headers, body: '{}', signal: request.signal });
  },
};

function baseUrl(): string {
  const origin = typeof window !== 'undefined' ? window.location.origin : 'http://localhost';
  return origin + API_PREFIX;
}

/** The plain typed client (`api.GET('/pipelines')`). */
export const api = createFetchClient<paths>({
  baseUrl: baseUrl(),
  // Looked up at call time, so tests can stub `fetch`.
  fetch: (request: Request) => globalThis.fetch(request),
});
api.use(jsonBodies, errors);

/**
 * React Query hooks over the same client (`$api.useQuery('get', '/pipelines')`). Pages do not call it: they use the
 * hooks of one module per resource (pipelines.ts, blocks.ts, runs.ts, triggers.ts, files.ts, project.ts), which keep
 * its query keys (`['get', path, init]`) so each write can invalidate what it changes.
 */
export const $api = createQueryClient(api);

/** The options a page may give a resource's query hook. */
export interface QueryOptions {
  enabled?: boolean;
  refetchInterval?: number | false;
  staleTime?: number;
  retry?: boolean | number;
}

/** The message to show for anything a call threw. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (error && typeof error === 'object' && 'error' in error) {
    const detail = (error as { error?: { message?: unknown } }).error;
    if (detail && typeof detail.message === 'string') return detail.message;
  }
  if (typeof error === 'string') return error;
  return 'Something went wrong.';
}

/** The error code of anything a call threw (`file_changed`, `not_found`...). */
export function errorCode(error: unknown): string | undefined {
  if (error instanceof ApiError) return error.code;
  return undefined;
}

/** Absolute URL of an API path, for EventSource and links. */
export function apiUrl(path: string): string {
  return baseUrl() + path;
}

/** WebSocket URL of an API path: ws(s)://host/api/v1/... */
export function wsUrl(path: string): string {
  const { protocol, host } = window.location;
  return `${protocol === 'https:' ? 'wss:' : 'ws:'}//${host}${API_PREFIX}${path}`;
}
