import type { ReactNode } from 'react';
import type { NodeTypeInfo } from '../api/types.ts';
import { typeGlyph } from './categories.ts';

const svg = (children: ReactNode) => (
  <svg width="16" height="16" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={2} strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
    {children}
  </svg>
);

/** Line icons for the core node types (crisp everywhere, unlike emoji that need a colour font). */
const CORE: Record<string, ReactNode> = {
  'core.manual-trigger': svg(<path d="M7 4.5v15l12-7.5z" fill="currentColor" stroke="none" />),
  'core.set-fields': svg(<><path d="M4 7h10" /><path d="M4 12h7" /><path d="M4 17h5" /><path d="m14.5 18.5 5-5a1.4 1.4 0 0 0-2-2l-5 5-.5 2.5z" /></>),
  'core.if': svg(<><circle cx="6" cy="6" r="2" /><circle cx="18" cy="6" r="2" /><circle cx="6" cy="18" r="2" /><path d="M6 8v8" /><path d="M18 8a6 6 0 0 1-6 6H8" /></>),
  'core.switch': svg(<><path d="M3 12h5" /><path d="M8 12c3 0 3-6 7-6h5" /><path d="M8 12h12" /><path d="M8 12c3 0 3 6 7 6h5" /></>),
  'core.split': svg(<><path d="M4 12h6" /><path d="m10 12 5-6h5" /><path d="M10 12h10" /><path d="m10 12 5 6h5" /></>),
  'core.collect': svg(<><path d="M4 6h5l5 6h6" /><path d="M4 12h16" /><path d="M4 18h5l5-6" /></>),
  'core.delay': svg(<><circle cx="12" cy="13" r="8" /><path d="M12 9v4l2.5 2" /><path d="M10 2h4" /></>),
  'core.http-request': svg(<><circle cx="12" cy="12" r="9" /><path d="M3 12h18" /><path d="M12 3a14 14 0 0 1 0 18" /><path d="M12 3a14 14 0 0 0 0 18" /></>),
  'core.log': svg(<><path d="m5 8 4 4-4 4" /><path d="M12 17h7" /></>),
  'core.end': svg(<><path d="M5 21V4" /><path d="M5 4h11l-2 4 2 4H5" /></>),
};

export function NodeGlyph({ type, info }: { type: string; info?: NodeTypeInfo }) {
  const icon = CORE[type];
  if (icon) return <>{icon}</>;
  return <>{typeGlyph(info?.icon, info?.title ?? type)}</>;
}
