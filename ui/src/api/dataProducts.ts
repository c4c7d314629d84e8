// The project's global data products (global_data_products.yaml) with their freshness, read only; read again every
// 15 seconds, since freshness changes with the clock and with the runs that make the products.
import { $api, type Schemas } from './client';

export type DataProduct = Schemas['GlobalDataProductDto'];

export function useDataProducts() {
  return $api.useQuery('get', '/global_data_products', {}, { refetchInterval: 15_000 });
}
