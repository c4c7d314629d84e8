// The dashboard's time window picker: 7, 30 or 90 days (see useWindowDays).
import { WINDOWS } from '../../api/stats';

export function WindowPicker({ days, onChange }: { days: number; onChange: (days: number) => void }) {
  return (
    <div className="segmented" role="group" aria-label="Time window">
      {WINDOWS.map((w) => (
        <button key={w} type="button" aria-pressed={w === days} onClick={() => onChange(w)}>
          {w} days
        </button>
      ))}
    </div>
  );
}
