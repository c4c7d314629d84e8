// The audit trail in words: who did it ("ada@example.com", "ada@example.com with the API token “ci”") and what
// they did ("renamed pipeline etl to etl_daily"), from an entry of GET /audit.
import type { AuditEntry } from '../api/client';

/** Who did it, as a person reads it. */
export function describeActor(entry: AuditEntry): string {
  const { actor } = entry;
  switch (actor.kind) {
    case 'user':
      return actor.user?.email ?? 'a deleted user';
    case 'token':
      return `${actor.user?.email ?? 'a deleted user'} with the API token “${actor.token?.name ?? '?'}”`;
    case 'anyone':
      return 'Anyone (no sign-in yet)';
    case 'anonymous':
      return 'Someone not signed in';
    case 'trigger':
      return `API trigger “${actor.trigger?.name ?? '?'}”`;
    default:
      return actor.kind;
  }
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** What was done, as a sentence without its subject: "started run #12 with trigger “hourly”". */
export function describeAction(entry: AuditEntry): string {
  const detail = entry.detail as Record<string, unknown>;
  const id = entry.object_id ?? '';
  const name = text(detail.name) ?? id;
  switch (`${entry.action} ${entry.object_kind}`) {
    case 'create pipeline':
      return `created pipeline ${id}`;
    case 'rename pipeline':
      return `renamed pipeline ${text(detail.from) ?? '?'} to ${id}`;
    case 'copy pipeline':
      return `created pipeline ${id} as a copy of ${text(detail.copy_of) ?? '?'}`;
    case 'delete pipeline':
      return `deleted pipeline ${id}`;
    case 'start run': {
      const trigger = text(detail.trigger_name);
      return entry.actor.kind === 'trigger' || !trigger ? `started run #${id}` : `started run #${id} with trigger “${trigger}”`;
    }
    case 'cancel run':
      return `cancelled run #${id}`;
    case 'retry run': {
      const from = text(detail.from_block);
      return from ? `retried run #${id} from block ${from}` : `retried run #${id}`;
    }
    case 'create block':
      return `added block ${id}`;
    case 'update block': {
      const renamed = text(detail.renamed_to);
      if (renamed) return `renamed block ${id} to ${renamed}`;
      const changed = Array.isArray(detail.changed) ? detail.changed.map(text).filter(Boolean).join(', ') : '';
      return changed ? `changed the ${changed} of block ${id}` : `changed block ${id}`;
    }
    case 'delete block':
      return `removed block ${id}`;
    case 'update_code block':
      return `saved the code of block ${id}`;
    case 'execute block':
      return entry.run_id != null ? `ran block ${id} (run #${String(entry.run_id)})` : `ran block ${id}`;
    case 'attach addon':
      return `attached ${id} to block ${text(detail.block) ?? '?'}`;
    case 'detach addon':
      return `detached ${id} from block ${text(detail.block) ?? '?'}`;
    case 'create backfill':
      return `started backfill “${name}”`;
    case 'cancel backfill':
      return `cancelled backfill #${id}`;
    case 'retry backfill':
      return `retried backfill #${id}`;
    case 'delete backfill':
      return `deleted backfill #${id}`;
    case 'create trigger':
      return `created trigger “${name}”`;
    case 'update trigger':
      return `changed trigger “${name}”`;
    case 'delete trigger':
      return `deleted trigger “${name}”`;
    case 'create file':
      return detail.folder === true ? `created folder ${id}` : `created file ${id}`;
    case 'update file':
      return `saved file ${id}`;
    case 'rename file':
      return `renamed file ${text(detail.from) ?? '?'} to ${id}`;
    case 'delete file':
      return `deleted ${id}`;
    case 'update settings':
      return 'changed the project settings';
    case 'install python_environment':
      return 'installed the Python environment';
    case 'open terminal':
      return 'opened the terminal';
    case 'create user':
      return `added user ${text(detail.email) ?? `#${id}`} (${text(detail.role) ?? '?'})`;
    case 'delete user':
      return `removed user ${text(detail.email) ?? `#${id}`}`;
    case 'create token':
      return `created the API token “${name}”`;
    case 'delete token':
      return `revoked the API token “${name}”`;
    case 'sign_in session':
      return 'signed in';
    case 'sign_out session':
      return 'signed out';
    case 'sign_in_failed session': {
      const email = text(detail.email);
      return email ? `failed to sign in as ${email}` : 'failed to sign in (unknown email)';
    }
    default:
      return [entry.action.replaceAll('_', ' '), entry.object_kind.replaceAll('_', ' '), id].filter(Boolean).join(' ');
  }
}
