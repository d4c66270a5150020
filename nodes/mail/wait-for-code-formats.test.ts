import { describe, expect, it } from 'vitest';
import { waitForCode } from './wait-for-code.ts';
import { failureOf, runNode } from '../sdk/testing.ts';
import { catchAllMailbox } from '../../tests/support/mail/dovecot.ts';

// Mail as real senders build it, appended by hand (raw RFC 5322) to a real Dovecot mailbox and read by
// the step. The mail servers of these tests listen on 127.0.0.1, allowed as an administrator would.
process.env.CONVEYOR_ALLOW_HOSTS = '127.0.0.1';

const mailbox = catchAllMailbox();
const SENDER = mailbox.sender;

/** A raw message to a fresh address, appended now; `build` gets the address and returns the headers after To and the body. */
async function deliver(build: (to: string) => string): Promise<string> {
  const to = mailbox.address('fmt');
  const head = [`From: Shop <${SENDER}>`, `To: ${to}`, `Date: ${new Date().toUTCString()}`, `Message-ID: <${to.split('@')[0]}@shop.example>`, 'MIME-Version: 1.0'];
  await mailbox.deliver(`${head.join('\r\n')}\r\n${build(to)}`);
  return to;
}

function wait(email: string, params: Record<string, unknown> = {}) {
  return runNode(waitForCode, { credential: 'inbox', senders: [SENDER], timeoutMs: 10_000, pollMs: 300, ...params }, { email, codeRequestedAt: new Date(Date.now() - 60_000).toISOString() }, {
    credentials: mailbox.credentials(),
  });
}
const codeOf = async (email: string, params: Record<string, unknown> = {}) => (await wait(email, params)).result.emit[0].data.code;

/** A multipart body from [headers, content] pairs. */
function multipart(type: string, boundary: string, parts: Array<[string, string]>): string {
  return [`Content-Type: multipart/${type}; boundary="${boundary}"`, '', ...parts.flatMap(([h, c]) => [`--${boundary}`, h, '', c]), `--${boundary}--`, ''].join('\r\n');
}

describe('mail.wait-for-code: mail formats of real senders (real Dovecot)', () => {
  it('a forwarded message attached to the mail (message/rfc822) is never read: its code is another sender\'s', async () => {
    const forwarded = ['From: someone@elsewhere.example', 'To: friend@elsewhere.example', 'Subject: Your code', 'Content-Type: text/plain', '', 'Your code: 111111'].join('\r\n');
    const attachment: [string, string] = ['Content-Type: message/rfc822\r\nContent-Disposition: attachment; filename="fwd.eml"', forwarded];
    // The attachment first: it was read before the mail's own text, and its code taken.
    const own = await deliver(() => `Subject: Your code\r\n${multipart('mixed', 'm1', [attachment, ['Content-Type: text/plain; charset=utf-8', 'Your code: 482913']])}`);
    expect(await codeOf(own)).toBe('482913');
    // Only the attachment holds a code: none is taken, and the error says why.
    const only = await deliver(() => `Subject: Fwd: Your code\r\n${multipart('mixed', 'm2', [['Content-Type: text/plain; charset=utf-8', 'FYI, see the attached mail.'], attachment])}`);
    const err = await failureOf(() => wait(only, { timeoutMs: 1_200 }));
    expect(err).toMatchObject({ code: 'E_MAIL_NO_CODE' });
    expect(err.message).toContain('forwarded message as an attachment (from someone@elsewhere.example), which is never read');
    expect(err.hint).toContain('forward the mail inline');
  });

  it('a text file sent along (a file name, marked inline as Apple Mail does) is not read as the mail: its numbers are not the code', async () => {
    const file: [string, string] = ['Content-Type: text/plain; charset=utf-8; name="order.txt"\r\nContent-Disposition: inline; filename="order.txt"', 'Order 558812, voucher code 993311'];
    const named: [string, string] = ['Content-Type: text/plain; charset=utf-8; name="notes.txt"', 'Reference code 774411'];
    const email = await deliver(() => `Subject: Your code\r\n${multipart('mixed', 'f1', [file, named, ['Content-Type: text/plain; charset=utf-8', 'Your code: 482913']])}`);
    expect(await codeOf(email)).toBe('482913');
    // A mail whose only text is such a part is still read.
    const only = await deliver(() => `Subject: Your code\r\n${multipart('mixed', 'f2', [['Content-Type: text/plain; charset=utf-8; name="code.txt"\r\nContent-Disposition: inline; filename="code.txt"', 'Your code: 640017']])}`);
    expect(await codeOf(only)).toBe('640017');
  });

  it('a hidden preheader (display:none) holding another number named a code is not read: the code the mail shows is', async () => {
    // As mail tools write it: the inbox preview line first, hidden in the body, then the code in a styled cell.
    const html = [
      '<html><body><div style="display:none;font-size:1px;max-height:0;overflow:hidden;mso-hide:all">Get 20% off your next order with code 7777 &zwnj;&nbsp;</div>',
      '<table><tr><td>Your sign-in code</td></tr><tr><td style="font-size:32px;letter-spacing:8px;font-weight:bold">482913</td></tr></table>',
      '<p>Shop Inc., 548 Market St, San Francisco, CA 94104</p></body></html>',
    ].join('\r\n');
    const email = await deliver(() => `Subject: Sign in to Shop\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n${html}`);
    expect(await codeOf(email)).toBe('482913');
  });

  it('a plain-text part that gives another code than the HTML part: no code is taken (nor an older mail\'s) until Read the code from says which part', async () => {
    const alternative = (plain: string, html: string) =>
      `Subject: Your code\r\n${multipart('alternative', 'alt1', [['Content-Type: text/plain; charset=utf-8', plain], ['Content-Type: text/html; charset=utf-8', html]])}`;
    // An older mail to the same address, in the window: its code is not the one asked for last.
    const email = await deliver(() => 'Subject: Your code\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nYour code: 333333\r\n');
    await mailbox.deliver([`From: ${SENDER}`, `To: ${email}`, `Date: ${new Date().toUTCString()}`, 'MIME-Version: 1.0', alternative('Your code: 111111', '<p>Your code: <b>482913</b></p>')].join('\r\n'), {
      internalDate: new Date(Date.now() + 1_000),
    });
    const err = await failureOf(() => wait(email, { timeoutMs: 1_200 }));
    expect(err).toMatchObject({ code: 'E_MAIL_CODES_DIFFER', transient: false });
    expect(err.message).toContain('plain-text part gives the code 111111 and whose HTML part 482913');
    expect(err.hint).toContain('Read the code from');
    expect(await codeOf(email, { readFrom: 'html' })).toBe('482913');
    // Parts that agree, or one that holds no code ("view it in a browser"), give the code as before.
    const same = await deliver(() => alternative('Your code: 482913', '<p>Your code: <b>482913</b></p>'));
    expect(await codeOf(same)).toBe('482913');
    const plainOnly = await deliver(() => alternative('Your code: 111111', '<p>Welcome!</p>'));
    expect(await codeOf(plainOnly, { readFrom: 'html' })).toBe('111111');
  });

  it('a plain-text part that only says "view it in a browser" above the sender\'s postal address: its postcode is not a second code, the code the HTML part names is taken', async () => {
    const alternative = (subject: string, plain: string, html: string) =>
      `Subject: ${subject}\r\n${multipart('alternative', 'stub', [['Content-Type: text/plain; charset=utf-8', plain], ['Content-Type: text/html; charset=utf-8', html]])}`;
    // As mail tools send it: the plain part a stub with the footer every commercial mail carries.
    const us = await deliver(() =>
      alternative(
        'Sign in to Shop',
        "Can't see this email? View it in your browser: https://shop.example/m/abc\r\n\r\nShop Inc., 548 Market St, San Francisco, CA 94104",
        '<p>Your sign-in code</p><p style="font-size:28px">482913</p><p>Shop Inc., 548 Market St, San Francisco, CA 94104</p>',
      ),
    );
    const de = await deliver(() =>
      alternative('Ihr Bestätigungscode', 'Diese E-Mail im Browser ansehen: https://shop.example/m/abc\r\n\r\nShop GmbH, Hauptstr. 5, 10115 Berlin', '<p>Geben Sie diesen Code ein:</p><h1>482913</h1><p>Shop GmbH, Hauptstr. 5, 10115 Berlin</p>'),
    );
    // It ended E_MAIL_CODES_DIFFER: "plain-text part gives the code 94104 (10115) and whose HTML part 482913".
    expect(await codeOf(us)).toBe('482913');
    expect(await codeOf(de)).toBe('482913');
  });

  it('a code with letters (X7K9P2, ABCD-1234) is not read as a number of the mail: the error shows it and a pattern that takes it', async () => {
    const text = (code: string) => `Subject: Your verification code\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nYour verification code is ${code}. It expires in 10 minutes.\r\n\r\nShop Inc., 548 Market St, San Francisco, CA 94104\r\n`;
    for (const [code, pattern] of [
      ['X7K9P2', '\\b([A-Z0-9]{6})\\b'],
      ['ABCD-1234', '\\b([A-Z0-9]{4}-[A-Z0-9]{4})\\b'],
    ]) {
      // It took the postcode (94104), or the 1234 of ABCD-1234.
      const email = await deliver(() => text(code));
      const err = await failureOf(() => wait(email, { timeoutMs: 1_200 }));
      expect(err).toMatchObject({ code: 'E_MAIL_NO_CODE' });
      expect(err.message).toContain(`whose code, ${code}, has letters`);
      expect(err.hint).toBe(`Set the Code pattern to one that takes it, e.g. ${pattern}`);
      expect(await codeOf(email, { pattern })).toBe(code);
    }
  });

  it('a mail of several MB: read fast even when its HTML is broken, and a code past the first 1 MB of a part is not looked for — the error says so', async () => {
    const html = (head: string, tail: string) => `Subject: Welcome\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n${Buffer.from(`${head}${'<a x Lorem ipsum 12 of 99 '.repeat(110_000)}${tail}`).toString('base64').replace(/.{76}/g, '$&\r\n')}`;
    // 3 MB of tags never closed after the code: reading the first 1 MB of it took minutes.
    const early = await deliver(() => html('<p>Your code: <b>482913</b></p>', ''));
    const started = Date.now();
    expect(await codeOf(early)).toBe('482913');
    expect(Date.now() - started).toBeLessThan(5_000);
    const late = await deliver(() => html('<p>Welcome!</p>', '<p>Your code: <b>482913</b></p>'));
    const err = await failureOf(() => wait(late, { timeoutMs: 1_200 }));
    expect(err).toMatchObject({ code: 'E_MAIL_NO_CODE' });
    expect(err.message).toContain('A part of it is longer than 1 MB and was read only to there');
    expect(err.hint).toContain('set Read the code from to plain');
  }, 60_000);

  it('Take = link: tracked links (quoted-printable, &amp;) — the Confirm button is taken, not the logo link before it', async () => {
    // As a mail service sends it: every link through its click tracker, a random token in each.
    const html = [
      '<a href=3D"https://click.sender.com/ls/click?upn=3Du7-Join.Xq"><img alt=3D"Shop" src=3D"cid:logo"></a>',
      '<p>Thanks for signing up.</p><a style=3D"background:#06c" href=3D"https://click.sender.com/ls/click?upn=3DQ3d-help.Agbx=',
      'Yz0&amp;d=3D2">Confirm</a> <a href=3D"https://click.sender.com/ls/click?upn=3Dz9">Unsubscribe</a>',
    ].join('\r\n');
    const email = await deliver(() => `Subject: Confirm your address\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n${html}\r\n`);
    expect(await codeOf(email, { take: 'link' })).toBe('https://click.sender.com/ls/click?upn=Q3d-help.AgbxYz0&d=2');
  });

  it('Take = link: a long link whose href the sender\'s mail program broke across lines (Outlook\'s HTML) is taken as a browser reads it, without the line breaks', async () => {
    const token = 'eyJhbGciOiJIUzI1NiJ9.'.padEnd(180, 'aB3');
    const url = `https://accounts.shop.example/verify?token=${token}&amp;utm_source=mail`;
    // The href wrapped at 76 characters by the program, quoted-printable on top (its own soft breaks, =3D).
    const href = url.match(/.{1,76}/g)!.join('\r\n');
    const qp = (line: string) => line.replace(/=/g, '=3D').match(/(?:=3D|[^=]){1,70}/g)!.join('=\r\n');
    const html = `<p class=MsoNormal><a href="${href}">Verify your email address</a></p>`.split('\r\n').map(qp).join('\r\n');
    const email = await deliver(() => `Subject: Verify your email\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n${html}\r\n`);
    // It held the CRLFs: a Browser step or an HTTP request given this field opened another address, or none.
    expect(await codeOf(email, { take: 'link' })).toBe(`https://accounts.shop.example/verify?token=${token}&utm_source=mail`);
  });

  it('Take = link: a plain-text link followed by the zero-width fillers of a preheader is taken without them', async () => {
    const email = await deliver(() => `Subject: Confirm your address\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nConfirm your address: https://shop.example/verify?t=abc\u200c\u200c\u00a0\u200c\r\n`);
    // It ended in U+200C U+200C: the site answered "invalid token".
    expect(await codeOf(email, { take: 'link' })).toBe('https://shop.example/verify?t=abc');
  });

  it('Take = link: the link a reader is asked to follow — not a hidden one (a bot trap), nor the header\'s "Sign in" to the login page before the button', async () => {
    const html = (subject: string, body: string) => deliver(() => `Subject: ${subject}\r\nContent-Type: text/html; charset=utf-8\r\n\r\n${body}\r\n`);
    const header = '<table><tr><td><a href="https://shop.example/"><img alt="Shop" src="cid:logo"></a></td><td><a href="https://shop.example/login?utm_source=mail">Sign in</a></td></tr></table>';
    const mails = {
      // A link hidden from the reader (display:none), named "verify": following it marks the reader a bot.
      trap: [await html('Confirm your email', '<div style="display:none"><a href="https://shop.example/bot-trap?id=1">verify</a></div><p>Welcome!</p><a href="https://shop.example/confirm?t=abc">Confirm your email</a>'), 'https://shop.example/confirm?t=abc'],
      // Outlook's own copy of the button in a conditional comment: not what a browser shows.
      outlook: [await html('Confirm your email', '<!--[if mso]><a href="https://shop.example/confirm?t=old">Confirm</a><![endif]--><!--[if !mso]><!--><a href="https://shop.example/confirm?t=abc">Confirm</a><!--<![endif]-->'), 'https://shop.example/confirm?t=abc'],
      verify: [await html('Verify your email', `${header}<p>Thanks for signing up!</p><a href="https://shop.example/verify?t=abc">Verify email address</a>`), 'https://shop.example/verify?t=abc'],
      // A magic sign-in link that names nothing but signing in, as the header's link does: it carries a token, the login page none.
      magic: [await html('Sign in to Shop', `${header}<p>Click below to sign in. This link expires in 15 minutes.</p><a href="https://shop.example/auth/callback?code=Zk29xQ">Sign in to Shop</a>`), 'https://shop.example/auth/callback?code=Zk29xQ'],
    };
    // It took the hidden trap, Outlook's copy, and the login page twice.
    for (const [name, [email, link]] of Object.entries(mails)) expect(await codeOf(email, { take: 'link' }), name).toBe(link);
  });

  it('a mail with no Date header, or one in the future, is read; one dated before the request (a sender\'s clock behind) is not taken, and the timeout says it arrived', async () => {
    const text = 'Content-Type: text/plain; charset=utf-8\r\n\r\nYour code: 482913\r\n';
    const raw = (to: string, date: string) => [`From: =?UTF-8?B?${Buffer.from('Shöp “Team”').toString('base64')}?= <${SENDER}>`, `To: ${to}`, ...(date ? [`Date: ${date}`] : []), 'Subject: Your code', 'MIME-Version: 1.0', text].join('\r\n');
    const to = () => mailbox.address('fmt');
    for (const date of ['', new Date(Date.now() + 3 * 86_400_000).toUTCString()]) {
      const email = to();
      await mailbox.deliver(raw(email, date));
      expect(await codeOf(email), date || 'no Date').toBe('482913');
    }
    const email = to();
    const sent = new Date(Date.now() - 2 * 3_600_000);
    await mailbox.deliver(raw(email, sent.toUTCString()));
    const err = await failureOf(() => wait(email, { timeoutMs: 1_200 }));
    expect(err).toMatchObject({ code: 'E_MAIL_TIMEOUT', transient: true });
    expect(err.message).toContain(`but its Date header says ${new Date(Math.floor(sent.getTime() / 1000) * 1000).toISOString()}, before the code was requested`);
    expect(err.hint).toContain('Mark the mailbox');
  });

  it('reads the code wherever senders put it: multipart/related with inline images, alternative inside mixed with attachments, base64, quoted-printable cut inside the code, Japanese and Windows charsets, the subject alone in split encoded words, digits in spans', async () => {
    const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
    const alt = (b: string) =>
      multipart('alternative', b, [
        ['Content-Type: text/plain; charset=utf-8', 'Your code: 482913'],
        ['Content-Type: text/html; charset=utf-8', '<img src="cid:logo@shop" alt="Shop 2026"><p>Your code: <b>482913</b></p>'],
      ]);
    /** A multipart body as one part of another: its headers, its content. */
    const nested = (body: string): [string, string] => [body.slice(0, body.indexOf('\r\n\r\n')), body.slice(body.indexOf('\r\n\r\n') + 4)];
    const mails: Record<string, string> = {
      related: `Subject: Your code\r\n${multipart('related', 'r1', [nested(alt('a1')), ['Content-Type: image/png\r\nContent-ID: <logo@shop>\r\nContent-Disposition: inline; filename="logo.png"\r\nContent-Transfer-Encoding: base64', png]])}`,
      mixed: `Subject: Your code\r\n${multipart('mixed', 'm1', [
        nested(alt('a2')),
        ['Content-Type: text/plain; name="invoice.txt"\r\nContent-Disposition: attachment; filename="invoice.txt"', 'Invoice code 111111'],
        ['Content-Type: application/pdf; name="terms.pdf"\r\nContent-Disposition: attachment; filename="terms.pdf"\r\nContent-Transfer-Encoding: base64', 'JVBERi0xLjQKMTIzNDU2Cg=='],
      ])}`,
      base64: `Subject: Willkommen\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n${Buffer.from('Hallo!\r\nDein Bestätigungscode lautet 482913.\r\n© 2026 Shop, 10115 Berlin').toString('base64').replace(/.{76}/g, '$&\r\n')}`,
      softBreak: 'Subject: Your code\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nYour verification code is 48=\r\n2913.\r\n\r\nShop Inc., San Francisco, CA 94104',
      iso2022jp: "Subject: =?ISO-2022-JP?B?GyRCRyc+WiUzITwlSSROJCpDTiRpJDsbKEI=?=\r\nContent-Type: text/plain; charset=ISO-2022-JP\r\nContent-Transfer-Encoding: 7bit\r\n\r\n\u001b$BG'>Z%3!<%I!'\u001b(B482913\r\n",
      shiftJis: 'Subject: Code\r\nContent-Type: text/plain; charset=Shift_JIS\r\nContent-Transfer-Encoding: base64\r\n\r\nlEaP2INSgVuDaILNNDgyOTEzgsWCt4FC',
      windows1252: 'Subject: =?windows-1252?Q?Best=E4tigung?=\r\nContent-Type: text/plain; charset=windows-1252\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=84Ihr Best=E4tigungscode=93 =96 482913 =96 g=FCltig 10 Minuten. Preis: 0 =80',
      subjectOnly: `Subject: =?UTF-8?B?${Buffer.from('Ваш код подтвержд').toString('base64')}?=\r\n =?UTF-8?B?${Buffer.from('ения: 482913').toString('base64')}?=\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nЗдравствуйте!\r\n© 2026 Shop, 101000 Москва`,
      subjectLatin1: 'Subject: =?ISO-8859-1?Q?Ihr_Best=E4tigungs?= =?ISO-8859-1?Q?code:_4829?=\r\n =?ISO-8859-1?Q?13?=\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHallo,\r\nStraße 5, 80331 München',
      // Windows-1251 named only in the HTML's <meta> (Content-Type names no charset): "Заказ 10023 оформлен. Ваш код подтверждения: 482913".
      metaCharset:
        'Subject: Shop\r\nContent-Type: text/html\r\nContent-Transfer-Encoding: base64\r\n\r\nPGh0bWw+PGhlYWQ+PG1ldGEgaHR0cC1lcXVpdj0iQ29udGVudC1UeXBlIiBjb250ZW50PSJ0ZXh0L2h0bWw7IGNoYXJzZXQ9d2luZG93cy0xMjUxIj48L2hlYWQ+PGJvZHk+PHA+x+Dq4OcgMTAwMjMg7vTu8Ozr5e0uPC9wPjxwPsLg+CDq7uQg7+7k8uLl8Obk5e3o/zogPGI+NDgyOTEzPC9iPjwvcD48L2JvZHk+PC9odG1sPg==',
      // Digits of other scripts: full-width in a Japanese mail (and its subject), Arabic-Indic.
      fullWidth: `Subject: =?UTF-8?B?${Buffer.from('【ショップ】確認コード ４８２９１３').toString('base64')}?=\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nご注文ありがとうございます。\r\n確認コード：４８２９１３\r\n有効期限は１０分です。`,
      arabic: 'Subject: Code\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nرمز التحقق الخاص بك هو ٤٨٢٩١٣',
      // A zero-width space in the code of a plain part (quoted-printable UTF-8), as HTML-to-text converters leave &#8203;.
      zeroWidth: 'Subject: Sign in\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nYour code: 482=E2=80=8B913\r\n\r\nShop, 94104 SF',
      spans: `Subject: Sign in\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Your verification code</p><div>\r\n${[...'482913'].map((d) => `  <span class="digit" style="letter-spacing:8px">${d}</span>`).join('\r\n')}\r\n</div><p>Shop, 94104 SF</p>`,
    };
    for (const [name, body] of Object.entries(mails)) {
      const email = await deliver(() => body);
      expect(await codeOf(email), name).toBe('482913');
    }
  });
});

describe('mail.wait-for-code: addresses as senders write them (real Dovecot)', () => {
  it('a domain with non-ASCII letters (IDN) is one domain however it is written: in the From or To header as typed or in its ASCII form (xn--…), in Allowed senders or the record either way', async () => {
    const text = 'Subject: Your code\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nYour code: 482913\r\n';
    const cases = [
      // Most senders write the ASCII form in their headers; the user types the domain as it reads.
      { from: 'no-reply@xn--bcher-kva.example', allowed: '@bücher.example', to: (n: number) => `fmt-idn${n}@example.test` },
      { from: 'no-reply@bücher.example', allowed: 'no-reply@XN--BCHER-KVA.example', to: (n: number) => `fmt-idn${n}@example.test` },
      // The record's address typed with the Unicode domain, the mail addressed to its ASCII form (and the other way round).
      { from: SENDER, allowed: SENDER, to: (n: number) => `fmt-idn${n}@магазин.example`, header: (n: number) => `fmt-idn${n}@xn--80aairftm.example` },
      { from: SENDER, allowed: SENDER, to: (n: number) => `fmt-idn${n}@xn--80aairftm.example`, header: (n: number) => `fmt-idn${n}@магазин.example` },
    ];
    for (const [i, c] of cases.entries()) {
      const n = Date.now() + i;
      await mailbox.deliver([`From: Shop <${c.from}>`, `To: ${(c.header ?? c.to)(n)}`, `Date: ${new Date().toUTCString()}`, 'MIME-Version: 1.0', text].join('\r\n'));
      // E_MAIL_SENDER_REJECTED (the same domain taken for another), or E_MAIL_TIMEOUT (the mail to the record's address not seen).
      expect(await codeOf(c.to(n), { senders: [c.allowed] }), JSON.stringify(c)).toBe('482913');
    }
    // The look-alike is still another domain.
    const email = mailbox.address('fmt');
    await mailbox.deliver([`From: Shop <no-reply@bucher.example>`, `To: ${email}`, `Date: ${new Date().toUTCString()}`, 'MIME-Version: 1.0', text].join('\r\n'));
    expect(await failureOf(() => wait(email, { senders: ['@bücher.example'], timeoutMs: 1_200 }))).toMatchObject({ code: 'E_MAIL_SENDER_REJECTED' });
  });
});
