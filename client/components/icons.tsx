import type { SVGProps } from 'react';

type IconProps = SVGProps<SVGSVGElement> & { size?: number };

export function iconFrom(paths: React.ReactNode) {
  return function Icon({ size = 16, ...rest }: IconProps) {
    return (
      <svg width={size} height={size} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={2} strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" {...rest}>
        {paths}
      </svg>
    );
  };
}

export const PlayIcon = iconFrom(<path d="M7 4.5v15l12-7.5z" fill="currentColor" stroke="none" />);
export const PauseIcon = iconFrom(<><rect x="6" y="5" width="4" height="14" rx="1" fill="currentColor" stroke="none" /><rect x="14" y="5" width="4" height="14" rx="1" fill="currentColor" stroke="none" /></>);
export const StopIcon = iconFrom(<rect x="6" y="6" width="12" height="12" rx="2" fill="currentColor" stroke="none" />);
export const SaveIcon = iconFrom(<><path d="M5 3h11l3 3v13a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z" /><path d="M7 3v5h8V3" /><path d="M7 21v-7h10v7" /></>);
export const UndoIcon = iconFrom(<><path d="M9 14 4 9l5-5" /><path d="M4 9h10.5a5.5 5.5 0 0 1 0 11H11" /></>);
export const RedoIcon = iconFrom(<><path d="m15 14 5-5-5-5" /><path d="M20 9H9.5a5.5 5.5 0 0 0 0 11H13" /></>);
export const DownloadIcon = iconFrom(<><path d="M12 3v12" /><path d="m7 10 5 5 5-5" /><path d="M5 21h14" /></>);
export const UploadIcon = iconFrom(<><path d="M12 21V9" /><path d="m7 14 5-5 5 5" /><path d="M5 3h14" /></>);
export const PlusIcon = iconFrom(<><path d="M12 5v14" /><path d="M5 12h14" /></>);
export const TrashIcon = iconFrom(<><path d="M3 6h18" /><path d="M8 6V4h8v2" /><path d="M19 6l-1 14H6L5 6" /></>);
export const PencilIcon = iconFrom(<><path d="M12 20h9" /><path d="M16.5 3.5a2.1 2.1 0 0 1 3 3L7 19l-4 1 1-4z" /></>);
export const SearchIcon = iconFrom(<><circle cx="11" cy="11" r="7" /><path d="m21 21-4.3-4.3" /></>);
export const FitIcon = iconFrom(<><path d="M8 3H5a2 2 0 0 0-2 2v3" /><path d="M21 8V5a2 2 0 0 0-2-2h-3" /><path d="M3 16v3a2 2 0 0 0 2 2h3" /><path d="M16 21h3a2 2 0 0 0 2-2v-3" /></>);
export const ChevronRightIcon = iconFrom(<path d="m9 6 6 6-6 6" />);
export const ChevronDownIcon = iconFrom(<path d="m6 9 6 6 6-6" />);
export const ChevronUpIcon = iconFrom(<path d="m6 15 6-6 6 6" />);
export const XIcon = iconFrom(<><path d="M18 6 6 18" /><path d="m6 6 12 12" /></>);
export const FlowIcon = iconFrom(<><rect x="3" y="3" width="7" height="6" rx="1.5" /><rect x="14" y="15" width="7" height="6" rx="1.5" /><path d="M6.5 9v3a3 3 0 0 0 3 3h4.5" /></>);
export const HistoryIcon = iconFrom(<><path d="M3 12a9 9 0 1 0 3-6.7L3 8" /><path d="M3 3v5h5" /><path d="M12 7v5l3 3" /></>);
export const AlertIcon = iconFrom(<><path d="M12 9v4" /><path d="M12 17h.01" /><path d="M10.3 3.9 1.8 18a2 2 0 0 0 1.7 3h17a2 2 0 0 0 1.7-3L13.7 3.9a2 2 0 0 0-3.4 0z" /></>);
export const CheckIcon = iconFrom(<path d="M20 6 9 17l-5-5" />);
export const InfoIcon = iconFrom(<><circle cx="12" cy="12" r="9" /><path d="M12 16v-4" /><path d="M12 8h.01" /></>);
export const CopyIcon = iconFrom(<><rect x="9" y="9" width="12" height="12" rx="2" /><path d="M5 15H4a1 1 0 0 1-1-1V4a1 1 0 0 1 1-1h10a1 1 0 0 1 1 1v1" /></>);
export const ArrowLeftIcon = iconFrom(<><path d="M19 12H5" /><path d="m12 19-7-7 7-7" /></>);
export const DotsIcon = iconFrom(<><circle cx="5" cy="12" r="1" fill="currentColor" /><circle cx="12" cy="12" r="1" fill="currentColor" /><circle cx="19" cy="12" r="1" fill="currentColor" /></>);
export const ListIcon = iconFrom(<><path d="M8 6h13" /><path d="M8 12h13" /><path d="M8 18h13" /><path d="M3 6h.01" /><path d="M3 12h.01" /><path d="M3 18h.01" /></>);
export const TerminalIcon = iconFrom(<><path d="m4 17 6-6-6-6" /><path d="M12 19h8" /></>);
export const SlidersIcon = iconFrom(<><path d="M4 21v-7" /><path d="M4 10V3" /><path d="M12 21v-9" /><path d="M12 8V3" /><path d="M20 21v-5" /><path d="M20 12V3" /><path d="M1 14h6" /><path d="M9 8h6" /><path d="M17 16h6" /></>);
