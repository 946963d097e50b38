import type { Child, FC } from 'hono/jsx';

/**
 * A table's box that scrolls sideways on its own when the table is wider than the screen: a named
 * region that takes keyboard focus, so a keyboard can scroll it too (axe: scrollable-region-focusable).
 */
export const TableBox: FC<{ label: string; children: Child }> = ({ label, children }) => (
  <div class="table-wrap" role="region" aria-label={label} tabindex={0}>
    {children}
  </div>
);
