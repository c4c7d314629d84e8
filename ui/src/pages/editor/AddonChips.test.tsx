import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { AddonChips } from './AddonChips';

describe('AddonChips', () => {
  it('names each attached conditional and callback with its file', () => {
    render(
      <AddonChips
        block={{
          conditionals: [{ uuid: 'weekday', file: 'conditionals/weekday.py' }],
          callbacks: [{ uuid: 'notify', file: 'callbacks/notify.py' }],
        }}
      />,
    );
    expect(screen.getByText('if weekday').getAttribute('title')).toContain('conditionals/weekday.py');
    expect(screen.getByText('then notify').getAttribute('title')).toContain('callbacks/notify.py');
  });
});
