// The project's io_config.yaml, read only: its profile names (what a SQL block connects with) and the SQL providers
// each has settings for. Never the settings themselves.
import { $api, type Schemas } from './client';

export type IoConfigProfile = Schemas['IoConfigProfileDto'];

export function useIoConfigProfiles() {
  return $api.useQuery('get', '/io_config/profiles', {}, { staleTime: 30_000 });
}
