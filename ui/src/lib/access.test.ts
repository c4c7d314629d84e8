import { describe, expect, it } from 'vitest';
import type { Me } from '../api/client';
import { accessOf, allows, safeNext } from './access';

const user = (role: 'viewer' | 'editor' | 'admin' | 'owner'): Me => ({
  user: { id: 1, email: 'ada@example.com', role, created_at: '2026-01-01T00:00:00Z' },
  via: 'session',
  sign_in_required: true,
});

describe('access', () => {
  it('orders the roles as the server does', () => {
    expect(allows('owner', 'admin')).toBe(true);
    expect(allows('editor', 'editor')).toBe(true);
    expect(allows('editor', 'admin')).toBe(false);
    expect(allows('viewer', 'editor')).toBe(false);
  });

  it('names the role needed and the role held', () => {
    const viewer = accessOf(user('viewer'));
    expect(viewer.role).toBe('viewer');
    expect(viewer.denied('viewer')).toBeNull();
    expect(viewer.denied('editor')).toBe('This needs the editor role or higher; you are a viewer.');
    expect(viewer.denied('editor', 'Running a block')).toBe('Running a block needs the editor role or higher; you are a viewer.');
    expect(accessOf(user('editor')).denied('admin')).toBe('This needs the admin role or higher; you are an editor.');
    expect(accessOf(user('admin')).denied('admin')).toBeNull();
  });

  it('lets anyone do anything on an open server, and leaves an unknown role to the server', () => {
    const open = accessOf({ user: null, via: null, sign_in_required: false });
    expect(open.open).toBe(true);
    expect(open.denied('owner')).toBeNull();
    const unknown = accessOf(undefined);
    expect(unknown.role).toBeNull();
    expect(unknown.denied('admin')).toBeNull();
    const signedOut = accessOf({ user: null, via: null, sign_in_required: true });
    expect(signedOut.open).toBe(false);
    expect(signedOut.role).toBeNull();
  });

  it('returns only to pages of this app after sign-in', () => {
    expect(safeNext('/runs/4?x=1#log')).toBe('/runs/4?x=1#log');
    expect(safeNext(null)).toBe('/pipelines');
    expect(safeNext('https://evil.example/')).toBe('/pipelines');
    expect(safeNext('//evil.example/')).toBe('/pipelines');
    expect(safeNext('/\\evil.example')).toBe('/pipelines');
    expect(safeNext('/sign-in?next=/x')).toBe('/pipelines');
  });
});
