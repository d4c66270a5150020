/**
 * The few pages a mail recipient sees (unsubscribe, a damaged link): plain HTML, no script (the
 * studio's Content-Security-Policy allows none inline), every value escaped.
 */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:34rem;margin:4rem auto;padding:0 1rem;color:#1e293b}h1{font-size:1.4rem}button{font:inherit;padding:.5rem 1rem;border-radius:.4rem;border:0;background:#4f46e5;color:#fff;cursor:pointer}code{color:#64748b;font-size:.85em}@media (prefers-color-scheme:dark){body{background:#0f172a;color:#e2e8f0}}</style>
</head><body>${body}</body></html>`;
}

/** Shows the address partly (a***@example.com): the page may be opened by someone the mail was forwarded to. */
export function maskAddress(address: string): string {
  const at = address.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${address[0]}***${address.slice(at)}`;
}

export function unsubscribeConfirmPage(addresses: string[], action: string): string {
  const who = addresses.map((a) => `<strong>${escapeHtml(maskAddress(a))}</strong>`).join(', ');
  return page(
    'Unsubscribe',
    `<h1>Unsubscribe</h1><p>Stop sending these mails to ${who}?</p>
<form method="post" action="${escapeHtml(action)}"><input type="hidden" name="confirm" value="yes"><button type="submit">Unsubscribe</button></form>`,
  );
}

export function unsubscribedPage(addresses: string[]): string {
  const who = addresses.map((a) => `<strong>${escapeHtml(maskAddress(a))}</strong>`).join(', ');
  return page('Unsubscribed', `<h1>You are unsubscribed</h1><p>No more of these mails will be sent to ${who}.</p>`);
}

export function invalidLinkPage(code: string, message: string, hint: string): string {
  return page('Link not valid', `<h1>This link does not work</h1><p>${escapeHtml(message)}</p><p>${escapeHtml(hint)}</p><p><code>${escapeHtml(code)}</code></p>`);
}
