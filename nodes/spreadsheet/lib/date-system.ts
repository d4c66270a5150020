import type { BoundedZip } from './bounded-zip.ts';
import { headOf } from './part-head.ts';
import type { DateSystem } from './cell-value.ts';

/**
 * How the workbook counts its serial days (`DateSystem`): the 1904 system when the workbook part's
 * `workbookPr` says `date1904` — as Excel writes it (`"1"`) or LibreOffice (`"true"`, an
 * xsd:boolean exceljs read as false, which moved every date of such a workbook 4 years and a day
 * back) —; else the 1900 system, as its writer (docProps/app.xml) counts the days Excel cannot
 * hold or counts differently: LibreOffice and Gnumeric. The writer's name is not a proof (exceljs
 * names itself "Microsoft Excel"), so only used where a writer is known to count differently.
 */
export async function dateSystemOf(zip: BoundedZip, bookPath: string, appPath: string): Promise<DateSystem> {
  if (DATE_1904.test(await headOf(zip, bookPath))) return '1904';
  const writer = /<(?:\w+:)?Application>\s*([^<]*?)\s*<\//.exec(await headOf(zip, appPath))?.[1].toLowerCase() ?? '';
  if (writer === 'gnumeric') return '1900-gnumeric';
  // "LibreOffice/7.4.7.2$Linux_X86_64 LibreOffice_project/…" (OpenOffice's names itself so too).
  if (/^(?:libreoffice|openoffice)/.test(writer)) return '1900-libreoffice';
  return '1900';
}

/** `<workbookPr … date1904="1">` or `"true"` (an xsd:boolean, any case, spaces around). */
const DATE_1904 = /<(?:\w+:)?workbookPr\b[^>]*?\sdate1904\s*=\s*(["'])\s*(?:1|true)\s*\1/i;
