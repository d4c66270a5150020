import { describe, expect, it } from 'vitest';
import { createRegistry } from '../index.ts';
import { validateFlow } from '../../server/flow/validate.ts';
import { serializeFlow } from '../../server/contract/flow/serialize.ts';
import { flow } from '../../tests/unit/engine/harness.ts';
import { MAX_KEPT_FILE_BYTES } from './kept-file.ts';

/**
 * A file chosen in a step's form is kept in the flow document: the flow check holds it to the size
 * it was chosen with (a flow file cut or edited by hand is refused, naming the step and setting, not
 * run with other bytes), to base64, and to the 5 MB limit; export and import keep it byte for byte.
 */
const registry = createRegistry();
const bytes = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.from([0, 0xff, 0x80, 0x7f])]);
const chosen = { name: 'cv.pdf', type: 'application/pdf', size: bytes.length, base64: bytes.toString('base64') };
const withFile = (file: unknown) =>
  flow(
    [
      ['trigger', 'core.manual-trigger'],
      ['attach', 'browser.attach-file', { selectors: ['input[type=file]'], encoding: 'chosen_file', file }],
    ],
    [['trigger', 'attach']],
  );

const problemsOf = (file: unknown): string[] => {
  const r = validateFlow(withFile(file), registry);
  return r.ok ? [] : r.problems.map((p) => `${p.path} ${p.message}`);
};

describe('a file kept in the flow', () => {
  it('passes the flow check as chosen, and export then import gives the same bytes', () => {
    const r = validateFlow(withFile(chosen), registry);
    expect(r.ok).toBe(true);
    const back = validateFlow(JSON.parse(serializeFlow(withFile(chosen))), registry);
    expect(back.ok && Buffer.from((back.flow.nodes[1].params.file as { base64: string }).base64, 'base64').equals(bytes)).toBe(true);
  });

  it('refuses a file whose bytes do not match its size, that is not base64, or is over the limit: naming the step', () => {
    expect(problemsOf({ ...chosen, base64: chosen.base64.slice(0, -4) }).join('\n')).toMatch(/nodes\[1\].params.file.*do not match its size.*choose the file again/s);
    expect(problemsOf({ ...chosen, base64: `${chosen.base64.slice(0, -4)}!!!!` }).join('\n')).toMatch(/nodes\[1\].params.file.*base64/s);
    const big = Buffer.alloc(MAX_KEPT_FILE_BYTES + 3);
    expect(problemsOf({ ...chosen, size: big.length, base64: big.toString('base64') }).join('\n')).toMatch(/nodes\[1\].params.file/);
    expect(problemsOf({ ...chosen, name: '' }).join('\n')).toMatch(/nodes\[1\].params.file/);
  });
});
