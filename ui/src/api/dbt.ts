// The project's dbt projects, read only: their models (to add one as a block) and a model's lineage from dbt's
// manifest (written by "Compile & preview").
import { $api, type Schemas } from './client';

export type DbtModel = Schemas['DbtModelDto'];
export type DbtLineage = Schemas['DbtLineageDto'];

export function useDbtModels(options: { enabled?: boolean } = {}) {
  return $api.useQuery('get', '/dbt/models', {}, { staleTime: 10_000, ...options });
}

export function useDbtLineage(path: string, options: { enabled?: boolean } = {}) {
  return $api.useQuery('get', '/dbt/lineage', { params: { query: { path } } }, options);
}
