import { iconFrom } from '../components/icons.tsx';

/** A pulse line (the nav's Monitoring item). Here, not in the page, so the nav does not load the page. */
export const PulseIcon = iconFrom(<path d="M3 12h4l3-8 4 16 3-8h4" />);
