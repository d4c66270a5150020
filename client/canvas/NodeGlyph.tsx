import {
  AlarmClock,
  BadgeCheck,
  Bookmark,
  Braces,
  Camera,
  CaseUpper,
  Combine,
  Compass,
  CopyMinus,
  Flag,
  GitBranch,
  Globe,
  Hourglass,
  Keyboard,
  List,
  ListTree,
  MailSearch,
  MousePointer,
  MousePointerClick,
  Paperclip,
  PencilLine,
  Play,
  Scale,
  ScrollText,
  Send,
  Sheet,
  Signpost,
  Sparkles,
  Split,
  TextCursorInput,
  TextSearch,
  Timer,
  type LucideIcon,
  Webhook,
  Workflow,
} from 'lucide-react';
import type { NodeTypeInfo } from '../api/types.ts';
import { typeGlyph } from './categories.ts';

/**
 * Node icons from lucide (bundled with the studio, drawn as SVG: crisp everywhere, unlike emoji
 * that need a colour font). A node type names its icon in the SDK (`icon: 'pencil-line'`, a lucide
 * name); only the icons listed here are bundled. The emoji older connectors used are mapped to the
 * nearest icon; anything else shows the type's initials.
 */
const ICONS: Record<string, LucideIcon> = {
  'alarm-clock': AlarmClock,
  'badge-check': BadgeCheck,
  bookmark: Bookmark,
  braces: Braces,
  camera: Camera,
  'case-upper': CaseUpper,
  combine: Combine,
  compass: Compass,
  'copy-minus': CopyMinus,
  flag: Flag,
  'git-branch': GitBranch,
  globe: Globe,
  hourglass: Hourglass,
  keyboard: Keyboard,
  list: List,
  'list-tree': ListTree,
  'mail-search': MailSearch,
  'mouse-pointer': MousePointer,
  'mouse-pointer-click': MousePointerClick,
  paperclip: Paperclip,
  'pencil-line': PencilLine,
  play: Play,
  scale: Scale,
  'scroll-text': ScrollText,
  send: Send,
  sheet: Sheet,
  signpost: Signpost,
  sparkles: Sparkles,
  split: Split,
  'text-cursor-input': TextCursorInput,
  'text-search': TextSearch,
  timer: Timer,
  webhook: Webhook,
  workflow: Workflow,
};

/** Emoji (and the code node's braces) of node types written before icons were names. */
const LEGACY: Record<string, string> = {
  '📊': 'sheet',
  '🔎': 'text-search',
  '☰': 'list',
  '🧭': 'compass',
  '✅': 'badge-check',
  '👆': 'mouse-pointer-click',
  '📸': 'camera',
  '⏳': 'hourglass',
  '⌨️': 'text-cursor-input',
  '🔖': 'bookmark',
  '📨': 'mail-search',
  '✉️': 'send',
  '🔀': 'git-branch',
  '{ }': 'braces',
  '🏁': 'flag',
  '🌐': 'globe',
  '⏰': 'alarm-clock',
  '✂️': 'split',
  '⚖️': 'scale',
  '🧺': 'combine',
  '📝': 'scroll-text',
  '🧹': 'copy-minus',
  '🚦': 'signpost',
  '✏️': 'pencil-line',
  '▶️': 'play',
};

/** The lucide icon of a node type's `icon` name (or legacy emoji), if the studio bundles it. */
export function iconFor(icon: string | undefined): LucideIcon | null {
  if (!icon) return null;
  return ICONS[icon] ?? ICONS[LEGACY[icon] ?? ''] ?? null;
}

export function NodeGlyph({ type, info, size = 16 }: { type: string; info?: NodeTypeInfo; size?: number }) {
  const Icon = iconFor(info?.icon);
  if (Icon) return <Icon size={size} strokeWidth={2} aria-hidden="true" data-testid="node-glyph" data-icon={info?.icon} />;
  // No bundled icon: the type's initials (never an emoji, which may draw as an empty box).
  const plain = info?.icon && /^[\p{L}\p{N}]{1,2}$/u.test(info.icon) ? info.icon : undefined;
  return (
    <span data-testid="node-glyph" data-icon="initials">
      {typeGlyph(plain, info?.title ?? type)}
    </span>
  );
}
