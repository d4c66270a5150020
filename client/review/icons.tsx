import { iconFrom as base } from '../components/icons.tsx';

/** The review queue (an inbox tray). */
export const InboxIcon = base(<><path d="M22 12h-6l-2 3h-4l-2-3H2" /><path d="M5.45 5.11 2 12v6a2 2 0 0 0 2 2h16a2 2 0 0 0 2-2v-6l-3.45-6.89A2 2 0 0 0 16.76 4H7.24a2 2 0 0 0-1.79 1.11z" /></>);
/** All clear: a check in a circle with a small sparkle. */
export const AllClearIcon = base(<><circle cx="11" cy="13" r="8" /><path d="m7.5 13 2.5 2.5 4.5-5" /><path d="M19 2v4" /><path d="M17 4h4" /></>);
export const RetryIcon = base(<><path d="M21 12a9 9 0 1 1-3-6.7L21 8" /><path d="M21 3v5h-5" /></>);
export const SkipIcon = base(<><path d="m5 4 10 8-10 8z" /><path d="M19 5v14" /></>);
export const ResolveIcon = base(<><circle cx="12" cy="12" r="9" /><path d="m8 12 3 3 5-6" /></>);
export const FilterIcon = base(<path d="M3 4h18l-7 8.5V19l-4 2v-8.5z" />);
export const RefreshIcon = base(<><path d="M3 12a9 9 0 0 1 15-6.7L21 8" /><path d="M21 3v5h-5" /><path d="M21 12a9 9 0 0 1-15 6.7L3 16" /><path d="M3 21v-5h5" /></>);
export const ExternalIcon = base(<><path d="M14 4h6v6" /><path d="M20 4 10 14" /><path d="M19 14v5a1 1 0 0 1-1 1H5a1 1 0 0 1-1-1V6a1 1 0 0 1 1-1h5" /></>);
