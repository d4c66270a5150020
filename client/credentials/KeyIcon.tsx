import { iconFrom } from '../components/icons.tsx';

export const KeyIcon = iconFrom(
  <>
    <circle cx="7.5" cy="15.5" r="4.5" />
    <path d="m10.7 12.3 9.8-9.8" />
    <path d="m16 7 3 3" />
    <path d="m18.5 4.5 2 2" />
  </>,
);
