import { iconFrom } from '../components/icons.tsx';

/** A stack of disks (the nav's Storage item). Here, not in StoragePage, so the nav does not load that page. */
export const DatabaseIcon = iconFrom(
  <>
    <ellipse cx="12" cy="5" rx="8" ry="3" />
    <path d="M4 5v14c0 1.7 3.6 3 8 3s8-1.3 8-3V5" />
    <path d="M4 12c0 1.7 3.6 3 8 3s8-1.3 8-3" />
  </>,
);

/** An envelope struck through (the nav's Suppression list item). */
export const MailOffIcon = iconFrom(
  <>
    <rect x="3" y="5" width="18" height="14" rx="2" />
    <path d="m3 7 9 6 9-6" />
    <path d="M2 2l20 20" />
  </>,
);
