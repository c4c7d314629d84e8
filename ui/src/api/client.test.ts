import { afterEach, describe, expect, it, vi } from 'vitest';
import { apiError, fakeApi } from '../test/fakeApi';
import { api, apiErrorFrom, onSignedOut } from './client';

describe('the API client and sign-in', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('says a role refusal is one, with the role the server names', async () => {
    const error = await apiErrorFrom(apiError(403, 'forbidden', 'this needs the editor role or higher; ada@example.com is viewer'));
    expect(error.message).toBe('Not allowed: this needs the editor role or higher; ada@example.com is viewer');
    const origin = await apiErrorFrom(apiError(403, 'forbidden_origin', 'a foreign page'));
    expect(origin.message).toBe('a foreign page');
  });

  it('tells the listeners of every 401 but a failed sign-in', async () => {
    fakeApi({
      'GET /pipelines': () => apiError(401, 'unauthorized', 'sign in first'),
      'POST /sessions': () => apiError(401, 'unauthorized', 'wrong email or password'),
    });
    const heard = vi.fn();
    const stop = onSignedOut(heard);
    await expect(api.POST('/sessions', { body: { email: 'a@example.com', password: 'x' } })).rejects.toThrow('wrong email or password');
    expect(heard).not.toHaveBeenCalled();
    await expect(api.GET('/pipelines')).rejects.toThrow('sign in first');
    expect(heard).toHaveBeenCalledTimes(1);
    stop();
    await expect(api.GET('/pipelines')).rejects.toThrow();
    expect(heard).toHaveBeenCalledTimes(1);
  });
});
