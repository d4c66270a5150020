import { describe, expect, it } from 'vitest';
import { createRegistry } from '../index.ts';
import { webhookParams, webhookTrigger } from './trigger.ts';

describe('webhook.trigger', () => {
  it('is a trigger in the catalog with a generated form: hook name, secret (vault), header, tolerance, event id field, body limit', () => {
    const info = createRegistry().catalog().find((t) => t.type === 'webhook.trigger')!;
    expect(info).toMatchObject({ trigger: true, category: 'Triggers', credentials: [{ name: 'secret', kind: 'webhook_secret', optional: true }] });
    const props = (info.paramsSchema as { properties: Record<string, { title?: string; widget?: string }> }).properties;
    expect(Object.keys(props)).toEqual(['name', 'active', 'verify', 'secret', 'signatureHeader', 'toleranceSeconds', 'subscribeToken', 'eventIdPath', 'respond', 'respondTimeoutMs', 'maxBodyKb', 'sample']);
    expect(props.secret.widget).toBe('credential');
    expect(info.defaults).toMatchObject({ name: 'incoming', active: true, verify: 'signature', signatureHeader: 'Conveyor-Signature', toleranceSeconds: 300, eventIdPath: 'id', maxBodyKb: 1024 });
  });

  it('refuses hook names that are not one URL segment, and limits out of range, with a message saying what to write', () => {
    for (const name of ['', 'a/b', 'with space', '-lead', 'x'.repeat(65)]) {
      const r = webhookParams.safeParse({ name });
      expect(r.success, name).toBe(false);
      expect(r.error?.issues[0].message).toMatch(/letters, digits, - and _/);
    }
    expect(webhookParams.safeParse({ toleranceSeconds: 5 }).success).toBe(false);
    expect(webhookParams.safeParse({ maxBodyKb: 0 }).success).toBe(false);
  });

  it('a run started by hand gets one record made from the sample body, marked as a test', async () => {
    const p = webhookParams.parse({ name: 'payments' });
    const records = (await webhookTrigger.records!(p, undefined)) as Array<Record<string, unknown>>;
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ eventId: 'evt_test_1', hook: 'payments', test: true, body: { type: 'payment.succeeded' } });
  });

  it('a hook request\'s record is used as it is; a broken sample is refused with E_INPUT_INVALID', async () => {
    const p = webhookParams.parse({});
    expect(await webhookTrigger.records!(p, { records: [{ eventId: 'evt_9' }] })).toEqual([{ eventId: 'evt_9' }]);
    expect(() => webhookTrigger.records!(webhookParams.parse({ sample: '{ not json' }), undefined)).toThrow(expect.objectContaining({ code: 'E_INPUT_INVALID' }));
  });
});
