// A spinner with a line saying what is being loaded.
import { Spinner } from './Spinner';

export function Loading({ what = 'Loading' }: { what?: string }) {
  return (
    <div className="loading">
      <Spinner label={what} /> {what}…
    </div>
  );
}
