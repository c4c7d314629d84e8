// The dashboard's time window (7, 30 or 90 days), kept in the page's URL as `?days=`.
import { useSearchParams } from 'react-router';
import { WINDOWS } from '../../api/stats';

/** The window the URL asks for, 7 days unless it names one of `WINDOWS`. */
export function useWindowDays(): [number, (days: number) => void] {
  const [params, setParams] = useSearchParams();
  const asked = Number(params.get('days'));
  const days = WINDOWS.find((w) => w === asked) ?? WINDOWS[0];
  const set = (next: number) =>
    setParams(
      (current) => {
        const copy = new URLSearchParams(current);
        copy.set('days', String(next));
        return copy;
      },
      { replace: true },
    );
  return [days, set];
}
