// A fake Wand API for component tests: `fetch` stubbed with handlers by "METHOD /path" (the path after /api/v1);
// a handler returns a body (answered as 200 JSON), a Response, or undefined (204). Calls are recorded with their
// JSON bodies. An unknown call answers 404, so a test sees what it did not expect.
import { vi } from 'vitest';

export interface FakeCall {
  call: string;
  body: unknown;
}

export type Handler = (body: unknown, url: URL) => unknown;

export function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

/** An API error answer as the server writes it. */
export function apiError(status: number, code: string, message: string): Response {
  return jsonResponse({ error: { code, message } }, status);
}

export function fakeApi(handlers: Record<string, Handler>): FakeCall[] {
  const calls: FakeCall[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (request: Request) => {
      const url = new URL(request.url);
      const call = `${request.method} ${url.pathname.replace('/api/v1', '')}`;
      const text = request.body ? await request.text() : '';
      const body: unknown = text ? JSON.parse(text) : undefined;
      calls.push({ call, body });
      const handler = handlers[call];
      if (!handler) return apiError(404, 'not_found', `no fake answer for ${call}`);
      const answer = handler(body, url);
      if (answer instanceof Response) return answer;
      return answer === undefined ? new Response(null, { status: 204 }) : jsonResponse(answer);
    }),
  );
  return calls;
}

export const USERS = {
  owner: { id: 1, email: 'owner@example.com', role: 'owner' as const, created_at: '2026-05-01T10:00:00Z' },
  admin: { id: 2, email: 'admin@example.com', role: 'admin' as const, created_at: '2026-05-02T10:00:00Z' },
  editor: { id: 3, email: 'editor@example.com', role: 'editor' as const, created_at: '2026-05-03T10:00:00Z' },
  viewer: { id: 4, email: 'viewer@example.com', role: 'viewer' as const, created_at: '2026-05-04T10:00:00Z' },
};

/** The answer of `GET /me` for a signed-in user. */
export function signedIn(user: (typeof USERS)[keyof typeof USERS]) {
  return { user, via: 'session', sign_in_required: true };
}
