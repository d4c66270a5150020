import { useState } from 'react';
import { useFlowStore } from '../stores/flow-store.ts';
import { Button } from '../components/Button.tsx';
import { Section } from './Section.tsx';

/**
 * The address a Webhook trigger listens on (/hooks/<flow id>/<name>), to copy into the sending
 * service, with what still keeps it from accepting requests (unsaved, switched off, no secret).
 */
export function HookAddress({ params }: { params: Record<string, unknown> }) {
  const flowId = useFlowStore((s) => s.meta?.id);
  const dirty = useFlowStore((s) => s.dirty);
  const [copied, setCopied] = useState(false);
  if (!flowId) return null;
  const name = typeof params?.name === 'string' && params.name.trim() ? params.name.trim() : 'incoming';
  const address = `${window.location.origin}/hooks/${encodeURIComponent(flowId)}/${encodeURIComponent(name)}`;
  const header = typeof params?.signatureHeader === 'string' && params.signatureHeader ? params.signatureHeader : 'Conveyor-Signature';
  // What the sender must put in the header, as "Check requests" says (nodes/webhook/trigger.ts).
  const proof =
    params?.verify === 'none'
      ? 'unchecked: anyone who knows this address can start runs (tests on this computer only)'
      : params?.verify === 'hmac'
        ? 'with the HMAC of its body in the header'
        : params?.verify === 'token'
          ? 'with the secret in the header'
          : params?.verify === 'basic'
            ? 'signed in with the name and password the secret holds (HTTP Basic: give it the address as https://name:password@… or its own name and password fields)'
            : params?.verify === 'slack'
              ? 'signed with the Slack app\'s signing secret (Slack\'s URL check is answered)'
              : params?.verify === 'standard'
                ? 'signed by the Standard Webhooks scheme (webhook-signature)'
                : params?.verify === 'twilio'
                  ? 'signed by Twilio with the account\'s Auth Token (X-Twilio-Signature; Twilio signs the address it is given: behind a proxy, CONVEYOR_PUBLIC_URL must be that address)'
                  : 'signed in the header';
  const warnings: string[] = [];
  if (dirty) warnings.push('Save the flow: the hook answers with what is saved.');
  if (params?.active === false) warnings.push('"Accept requests" is off: the hook answers 404.');
  if (params?.verify !== 'none' && !(typeof params?.secret === 'string' && params.secret)) warnings.push('Pick a signing secret: without one every request is refused (503).');

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(address);
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      // No clipboard access (an insecure origin): the field is selected for Ctrl+C instead.
      (document.querySelector('[data-testid="hook-address"]') as HTMLInputElement | null)?.select();
    }
  };

  return (
    <Section title="Hook address" testId="hook-address-section">
      <div className="flex gap-2">
        <input
          readOnly
          value={address}
          onFocus={(e) => e.currentTarget.select()}
          className="min-w-0 flex-1 rounded-md border border-slate-200 bg-slate-50 px-2 py-1.5 font-mono text-xs text-slate-700 dark:border-slate-700 dark:bg-slate-800 dark:text-slate-200"
          data-testid="hook-address"
          aria-label="Hook address"
        />
        <Button size="sm" variant="secondary" onClick={() => void copy()} data-testid="hook-address-copy">
          {copied ? 'Copied' : 'Copy'}
        </Button>
      </div>
      <p className="mt-2 text-xs leading-snug text-slate-500">
        The sending service POSTs each event here, {proof}
        {params?.verify === 'none' || params?.verify === 'basic' || params?.verify === 'slack' || params?.verify === 'standard' || params?.verify === 'twilio' ? '' : <> <code>{header}</code></>} (docs/security.md). Each accepted request starts a
        run of this flow and is answered 202 with the run id; a resent event is answered 200 "duplicate" and skipped.
      </p>
      {warnings.map((w) => (
        <p key={w} className="mt-2 rounded-md bg-amber-50 px-2 py-1.5 text-xs text-amber-800 ring-1 ring-amber-200" data-testid="hook-address-warning">
          {w}
        </p>
      ))}
    </Section>
  );
}
