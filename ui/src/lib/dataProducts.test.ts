import { describe, expect, it } from 'vitest';
import { freshFor, startingAt } from './dataProducts';

describe('global data products in words', () => {
  it("says how long Mage's outdated_after keeps data fresh", () => {
    expect(freshFor(null)).toBe('for ever once made');
    expect(freshFor({ years: 0, months: 0, weeks: 0, seconds: 3600 })).toBe('1 hour');
    expect(freshFor({ years: 1, months: 2, weeks: 1, seconds: 90_061.5 })).toBe('1 year, 2 months, 1 week, 1 day, 1 hour, 1 minute, 1.5 seconds');
    expect(freshFor({ years: 0, months: 0, weeks: 0, seconds: 0 })).toBe('not at all (always outdated)');
  });

  it('names the parts of the time outdated_starting_at waits for', () => {
    expect(startingAt({})).toBe('—');
    expect(startingAt({ hour_of_day: 5, day_of_week: 1 })).toBe('hour of day 5, day of week 1');
  });
});
