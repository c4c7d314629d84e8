// The settings row of a SQL cell: database (provider), io_config.yaml profile, database name, schema, table, write
// policy, limit and raw SQL. Each change is saved at once into the block's `configuration`, under Mage's keys.
import { useState } from 'react';
import { useIoConfigProfiles } from '../../api/ioConfig';
import { SQL_PROVIDERS, WRITE_POLICIES, defaultSchema, sqlConfiguration } from '../../lib/sqlBlock';

/** Keys to set; `null` removes a key. Resolves true once the server took the change. */
export type ConfigurationChange = Record<string, string | number | boolean | null>;

export function SqlSettings({
  block,
  configuration,
  onChange,
}: {
  block: string;
  configuration: unknown;
  onChange: (change: ConfigurationChange) => Promise<boolean>;
}) {
  const c = sqlConfiguration(configuration);
  const profiles = useIoConfigProfiles();
  const profile = c.data_provider_profile ?? 'default';
  const names = (profiles.data ?? []).map((p) => p.name);
  const chosen = profiles.data?.find((p) => p.name === profile);
  const provider = c.data_provider ?? '';
  const providerLabel = SQL_PROVIDERS.find((p) => p.value === provider)?.label ?? provider;
  const id = (key: string) => `sql-${block}-${key}`;

  return (
    <div className="sql-settings" data-testid="sql-settings" role="group" aria-label={`SQL settings of ${block}`}>
      <label className="sql-settings__field" htmlFor={id('provider')}>
        <span>Database</span>
        <select
          id={id('provider')}
          className="select"
          value={provider}
          onChange={(e) => {
            // A schema left at the old database's default follows the new one (DuckDB has no `public`).
            const schema = c.data_provider_schema ?? '';
            const follows = schema === '' || schema === defaultSchema(provider);
            void onChange({ data_provider: e.target.value, ...(follows ? { data_provider_schema: defaultSchema(e.target.value) } : {}) });
          }}
          data-testid="sql-provider"
        >
          {!SQL_PROVIDERS.some((p) => p.value === provider) && <option value={provider}>{provider || '— choose —'}</option>}
          {SQL_PROVIDERS.map((p) => (
            <option key={p.value} value={p.value}>
              {p.label}
            </option>
          ))}
        </select>
      </label>
      <label className="sql-settings__field" htmlFor={id('profile')}>
        <span>Profile</span>
        <select
          id={id('profile')}
          className="select"
          value={profile}
          onChange={(e) => void onChange({ data_provider_profile: e.target.value })}
          data-testid="sql-profile"
        >
          {!names.includes(profile) && <option value={profile}>{profile}</option>}
          {names.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
      </label>
      <TextSetting
        key={`db:${c.data_provider_database ?? ''}`}
        id={id('database')}
        label="Database name"
        placeholder="profile"
        title="The database to connect to; empty: the one the profile names"
        saved={c.data_provider_database ?? ''}
        onCommit={(v) => onChange({ data_provider_database: v === '' ? null : v })}
      />
      <TextSetting
        key={`schema:${c.data_provider_schema ?? ''}`}
        id={id('schema')}
        label="Schema"
        placeholder="default"
        saved={c.data_provider_schema ?? ''}
        onCommit={(v) => onChange({ data_provider_schema: v })}
      />
      <TextSetting
        key={`table:${c.data_provider_table ?? ''}`}
        id={id('table')}
        label="Table"
        placeholder="automatic"
        title="Where the block's result is written; by default <pipeline>_<block>_v1"
        saved={c.data_provider_table ?? ''}
        onCommit={(v) => onChange({ data_provider_table: v === '' ? null : v })}
      />
      <label className="sql-settings__field" htmlFor={id('policy')}>
        <span>Write policy</span>
        <select
          id={id('policy')}
          className="select"
          value={c.export_write_policy ?? 'append'}
          onChange={(e) => void onChange({ export_write_policy: e.target.value })}
          data-testid="sql-write-policy"
        >
          {WRITE_POLICIES.map((p) => (
            <option key={p} value={p}>
              {p}
            </option>
          ))}
        </select>
      </label>
      <TextSetting
        key={`limit:${String(c.limit ?? '')}`}
        id={id('limit')}
        label="Limit"
        placeholder="none"
        numeric
        saved={c.limit == null ? '' : String(c.limit)}
        onCommit={(v) => onChange({ limit: v === '' ? null : Number(v) })}
      />
      <label className="sql-settings__check" title="Send the rendered SQL whole, in one call, and pass nothing on">
        <input type="checkbox" checked={c.use_raw_sql ?? false} onChange={(e) => void onChange({ use_raw_sql: e.target.checked })} />
        <span>Raw SQL</span>
      </label>
      {chosen && provider && !chosen.providers.includes(provider) && (
        <span className="sql-settings__hint" role="note">
          The profile <code>{profile}</code> has no {providerLabel} settings in io_config.yaml.
        </span>
      )}
      {profiles.data && !names.includes(profile) && (
        <span className="sql-settings__hint" role="note">
          io_config.yaml has no profile <code>{profile}</code>.
        </span>
      )}
    </div>
  );
}

/** A text setting saved when it loses focus or on Enter, if it changed; Escape puts the saved value back. */
function TextSetting({
  id,
  label,
  placeholder,
  title,
  saved,
  numeric,
  onCommit,
}: {
  id: string;
  label: string;
  placeholder: string;
  title?: string;
  saved: string;
  numeric?: boolean;
  onCommit: (value: string) => Promise<boolean>;
}) {
  const [draft, setDraft] = useState(saved);
  const invalid = numeric && draft.trim() !== '' && !/^\d+$/.test(draft.trim());
  const commit = () => {
    const value = draft.trim();
    if (value === saved || invalid) return;
    void onCommit(value).then((ok) => {
      if (!ok) setDraft(saved);
    });
  };
  return (
    <label className="sql-settings__field" htmlFor={id} title={title}>
      <span>{label}</span>
      <input
        id={id}
        className={`input input--mono${invalid ? ' input--invalid' : ''}`}
        value={draft}
        placeholder={placeholder}
        inputMode={numeric ? 'numeric' : undefined}
        size={numeric ? 5 : 10}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter') commit();
          if (e.key === 'Escape') setDraft(saved);
        }}
      />
    </label>
  );
}
