import { defineGroup } from '../sdk/define-node.ts';
import { browserOpen } from './open.ts';
import { browserFill } from './fill.ts';
import { browserSelect } from './select.ts';
import { browserClick } from './click.ts';
import { browserPress } from './press.ts';
import { browserHover } from './hover.ts';
import { browserWaitFor } from './wait-for.ts';
import { browserVerify } from './verify.ts';
import { browserExtract } from './extract.ts';
import { browserScreenshot } from './screenshot.ts';
import { browserAttachFile } from './attach-file.ts';

/** Browser connector: steps that drive a real (headless) Chromium, one window per record. */
export const browserNodes = defineGroup(
  browserOpen,
  browserFill,
  browserSelect,
  browserAttachFile,
  browserClick,
  browserPress,
  browserHover,
  browserWaitFor,
  browserVerify,
  browserExtract,
  browserScreenshot
);
