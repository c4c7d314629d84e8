import { describe, expect, it } from 'vitest';
import { splitSqlError, sqlConfiguration, upstreamCompletions } from './sqlBlock';

describe('SQL blocks', () => {
  it('splits a failed run into the message and the rendered SQL with the failing line marked', () => {
    const error = [
      'Binder Error: Referenced column "nope" not found',
      '  1 | SELECT COUNT(*) AS n',
      '> 2 | FROM "main"."t" WHERE nope = 1',
      '  3 | ',
    ].join('\n');
    expect(splitSqlError(error)).toEqual({
      message: 'Binder Error: Referenced column "nope" not found',
      sql: [
        { number: 1, text: 'SELECT COUNT(*) AS n', failing: false },
        { number: 2, text: 'FROM "main"."t" WHERE nope = 1', failing: true },
        { number: 3, text: '', failing: false },
      ],
    });
    expect(splitSqlError('ZeroDivisionError: division by zero')).toEqual({ message: 'ZeroDivisionError: division by zero', sql: [] });
  });

  it('reads the configuration under Mage’s keys and completes the parents’ names', () => {
    expect(sqlConfiguration({ data_provider: 'duckdb', limit: 10, use_raw_sql: 'yes', file_source: {} })).toMatchObject({
      data_provider: 'duckdb',
      limit: 10,
      use_raw_sql: undefined,
    });
    expect(upstreamCompletions(['load', 'clean']).map((c) => c.label)).toEqual(['df_1', 'df_2', 'load', 'clean']);
  });
});
