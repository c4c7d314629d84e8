import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '../api/client';
import { describeAction, describeActor } from './audit';

const ada = { kind: 'user', user: { id: 1, email: 'ada@example.com' } };

function entry(patch: Partial<AuditEntry>): AuditEntry {
  return {
    id: 1,
    at: '2026-12-02T10:00:00Z',
    actor: ada,
    action: 'create',
    object_kind: 'pipeline',
    object_id: 'etl',
    pipeline_uuid: 'etl',
    detail: {},
    ...patch,
  };
}

describe('the audit trail in words', () => {
  it('names every kind of actor', () => {
    const cases: [AuditEntry['actor'], string][] = [
      [ada, 'ada@example.com'],
      [{ kind: 'token', user: ada.user, token: { id: 4, name: 'ci' } }, 'ada@example.com with the API token “ci”'],
      [{ kind: 'anyone' }, 'Anyone (no sign-in yet)'],
      [{ kind: 'anonymous' }, 'Someone not signed in'],
      [{ kind: 'trigger', trigger: { id: 3, name: 'hook' } }, 'API trigger “hook”'],
    ];
    for (const [actor, expected] of cases) expect(describeActor(entry({ actor }))).toBe(expected);
  });

  it('says what was done to what, with the facts of its detail', () => {
    const cases: [Partial<AuditEntry>, string][] = [
      [{}, 'created pipeline etl'],
      [{ action: 'rename', object_id: 'etl_daily', detail: { from: 'etl' } }, 'renamed pipeline etl to etl_daily'],
      [{ action: 'copy', object_id: 'copy', detail: { copy_of: 'etl' } }, 'created pipeline copy as a copy of etl'],
      [{ action: 'start', object_kind: 'run', object_id: '12', run_id: 12 }, 'started run #12'],
      [
        { action: 'start', object_kind: 'run', object_id: '12', detail: { trigger: 3, trigger_name: 'hourly' } },
        'started run #12 with trigger “hourly”',
      ],
      [{ action: 'cancel', object_kind: 'run', object_id: '12' }, 'cancelled run #12'],
      [{ action: 'retry', object_kind: 'run', object_id: '12', detail: { from_block: 'load' } }, 'retried run #12 from block load'],
      [{ action: 'update', object_kind: 'block', object_id: 'load', detail: { changed: ['name'], renamed_to: 'fetch' } }, 'renamed block load to fetch'],
      [
        { action: 'update', object_kind: 'block', object_id: 'load', detail: { changed: ['upstream_blocks', 'position'] } },
        'changed the upstream_blocks, position of block load',
      ],
      [{ action: 'update_code', object_kind: 'block', object_id: 'load' }, 'saved the code of block load'],
      [{ action: 'execute', object_kind: 'block', object_id: 'load', run_id: 13 }, 'ran block load (run #13)'],
      [{ action: 'detach', object_kind: 'addon', object_id: 'notify', detail: { block: 'load' } }, 'detached notify from block load'],
      [{ action: 'delete', object_kind: 'trigger', object_id: '3', detail: { name: 'hourly' } }, 'deleted trigger “hourly”'],
      [{ action: 'create', object_kind: 'file', object_id: 'notes', detail: { folder: true } }, 'created folder notes'],
      [{ action: 'create', object_kind: 'user', object_id: '2', detail: { email: 'bob@example.com', role: 'editor' } }, 'added user bob@example.com (editor)'],
      [{ action: 'delete', object_kind: 'token', object_id: '4', detail: { name: 'ci' } }, 'revoked the API token “ci”'],
      [{ action: 'sign_in_failed', object_kind: 'session', object_id: null, detail: { unknown_email: true } }, 'failed to sign in (unknown email)'],
      [{ action: 'open', object_kind: 'terminal', object_id: null }, 'opened the terminal'],
      [{ action: 'change', object_kind: 'route', object_id: 'POST /api/v1/new' }, 'change route POST /api/v1/new'],
    ];
    for (const [patch, expected] of cases) expect(describeAction(entry(patch))).toBe(expected);
  });
});
