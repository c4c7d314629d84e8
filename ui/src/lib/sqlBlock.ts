// SQL blocks: Mage's configuration keys and their values, the names a SQL cell completes, and a failed run's error
// split into its message and the rendered SQL with the failing line marked.

/** The databases Wand runs SQL blocks on (Mage's `data_provider` values), as Mage's SQL cell names them. */
export const SQL_PROVIDERS = [
  { value: 'duckdb', label: 'DuckDB' },
  { value: 'postgres', label: 'PostgreSQL' },
  { value: 'mysql', label: 'MySQL' },
  { value: 'bigquery', label: 'BigQuery' },
  { value: 'snowflake', label: 'Snowflake' },
  { value: 'redshift', label: 'Amazon Redshift' },
  { value: 'mssql', label: 'Microsoft SQL Server' },
  { value: 'clickhouse', label: 'ClickHouse' },
  { value: 'trino', label: 'Trino' },
] as const;

// The schema Mage starts a provider's SQL blocks with; the other providers start with none (their dataset or schema
// comes from the profile).
const DEFAULT_SCHEMAS: Record<string, string> = { duckdb: 'main', postgres: 'public', redshift: 'public', mssql: 'dbo' };

/** The schema a provider's tables go in when a block names none (what a new block starts with). */
export function defaultSchema(provider: string): string {
  return DEFAULT_SCHEMAS[provider] ?? '';
}

/** Mage's `export_write_policy` values. */
export const WRITE_POLICIES = ['append', 'replace', 'fail'] as const;

/** Block types whose blocks may be written in SQL. */
export const SQL_BLOCK_TYPES = ['data_loader', 'transformer', 'data_exporter', 'custom'];

/** A SQL block's settings as metadata.yaml keeps them under `configuration` (Mage's key names). */
export interface SqlConfiguration {
  data_provider?: string;
  data_provider_profile?: string;
  data_provider_database?: string;
  data_provider_schema?: string;
  data_provider_table?: string;
  export_write_policy?: string;
  limit?: number;
  use_raw_sql?: boolean;
}

/** Reads the SQL keys of a block's configuration, leaving out values of the wrong type. */
export function sqlConfiguration(configuration: unknown): SqlConfiguration {
  const c = (configuration && typeof configuration === 'object' ? configuration : {}) as Record<string, unknown>;
  const text = (key: string) => (typeof c[key] === 'string' ? c[key] : undefined);
  return {
    data_provider: text('data_provider'),
    data_provider_profile: text('data_provider_profile'),
    data_provider_database: text('data_provider_database'),
    data_provider_schema: text('data_provider_schema'),
    data_provider_table: text('data_provider_table'),
    export_write_policy: text('export_write_policy'),
    limit: typeof c.limit === 'number' ? c.limit : undefined,
    use_raw_sql: typeof c.use_raw_sql === 'boolean' ? c.use_raw_sql : undefined,
  };
}

/** What a SQL cell completes: `df_1`…`df_n` (the parents' data, in order) and the parents' uuids. */
export function upstreamCompletions(upstream: string[]): { label: string; detail: string }[] {
  return [
    ...upstream.map((uuid, i) => ({ label: `df_${String(i + 1)}`, detail: `data of ${uuid}` })),
    ...upstream.map((uuid, i) => ({ label: uuid, detail: `upstream block (df_${String(i + 1)})` })),
  ];
}

/** What a dbt model's cell completes inside `{{ }}`: dbt's Jinja functions and variables. */
export const DBT_COMPLETIONS: readonly { label: string; detail: string }[] = [
  { label: 'ref', detail: "ref('model'): another model's table" },
  { label: 'source', detail: "source('mage_<dbt project>', '<pipeline>_<block>'): a parent block's output" },
  { label: 'var', detail: "var('name'): a variable of the run" },
  { label: 'config', detail: 'config(materialized=...): the model\'s settings' },
  { label: 'is_incremental', detail: 'is_incremental(): true on an incremental run' },
  { label: 'this', detail: "this: the model's own table" },
  { label: 'env_var', detail: "env_var('NAME'): an environment variable" },
];

export interface SqlErrorLine {
  number: number;
  text: string;
  failing: boolean;
}

/** A failed SQL block's error: its message, and the rendered SQL (`> 12 | …` marks the failing line), if any. */
export function splitSqlError(error: string): { message: string; sql: SqlErrorLine[] } {
  const message: string[] = [];
  const sql: SqlErrorLine[] = [];
  for (const line of error.split('\n')) {
    const m = /^([> ]) +(\d+) \| ?(.*)$/.exec(line);
    if (m) sql.push({ number: Number(m[2]), text: m[3] ?? '', failing: m[1] === '>' });
    else if (sql.length === 0) message.push(line);
    else sql.push({ number: NaN, text: line, failing: false });
  }
  return { message: message.join('\n').trimEnd(), sql: sql.filter((l) => !Number.isNaN(l.number) || l.text.trim() !== '') };
}
