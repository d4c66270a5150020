import { describe, expect, it } from 'vitest';
import { confirmationLink, htmlLinks, plainLinks } from './mail-links.ts';

const FOOTER = `<p><a href="https://shop.example/unsubscribe?u=7">Unsubscribe</a> · <a href="https://shop.example/privacy">Privacy</a>
  · <a href="https://www.facebook.com/shop">Facebook</a> · <a href="mailto:help@shop.example">Write to us</a></p>`;

describe('the link a mail asks to follow (Take = link)', () => {
  it('reads the links of an HTML mail with the text each shows, entities decoded, an image button by its alt text', () => {
    expect(htmlLinks(`<a class="btn" href="https://shop.example/verify?token=a1&amp;u=7" target="_blank"><b>Confirm</b> your email</a>`)).toEqual([
      { url: 'https://shop.example/verify?token=a1&u=7', text: 'Confirm your email' },
    ]);
    expect(htmlLinks(`<a href='https://x.example/go'><img src="b.png" alt="Activate account"></a>`)).toEqual([{ url: 'https://x.example/go', text: 'Activate account' }]);
    expect(plainLinks('Confirm your address: https://shop.example/c/abc123.\nBye')).toEqual([{ url: 'https://shop.example/c/abc123', text: 'Confirm your address:' }]);
  });

  it('takes the link that names the action over unsubscribe, privacy, social and mail links — in other languages too', () => {
    const html = `<p>Hi Ada,</p><p><a href="https://shop.example/">Shop</a></p><a href="https://shop.example/e/8f2a">Confirm your email</a>${FOOTER}`;
    expect(confirmationLink(htmlLinks(html)).link?.url).toBe('https://shop.example/e/8f2a');
    // An unsubscribe link carrying a token comes first in the mail: still never taken.
    const tokenFirst = `<a href="https://shop.example/unsubscribe?token=77">Stop these mails</a><a href="https://shop.example/e/9">Confirm</a>`;
    expect(confirmationLink(htmlLinks(tokenFirst)).link?.url).toBe('https://shop.example/e/9');
    for (const [text, url] of [
      ['E-Mail-Adresse bestätigen', 'https://de.example/x/1'],
      ['Confirmer mon adresse', 'https://fr.example/x/2'],
      ['Verificar correo', 'https://es.example/x/3'],
      ['Sign in to Acme', 'https://acme.example/x/4'],
    ]) {
      expect(confirmationLink(htmlLinks(`<a href="https://home.example/">Home</a><a href="${url}">${text}</a>${FOOTER}`)).link?.url, text).toBe(url);
    }
    // The action named by the link's address when its text does not (a button reading "Continue").
    expect(confirmationLink(htmlLinks(`<a href="https://a.example/blog">Blog</a><a href="https://a.example/account/activate/Zx9">Continue</a>${FOOTER}`)).link?.url).toBe('https://a.example/account/activate/Zx9');
  });

  it('takes the only link left, the same address twice counting once; many unnamed links give none', () => {
    expect(confirmationLink(htmlLinks(`<a href="https://a.example/k/77">Continue</a><p>or paste <a href="https://a.example/k/77">https://a.example/k/77</a></p>${FOOTER}`)).link?.url).toBe('https://a.example/k/77');
    const newsletter = confirmationLink(htmlLinks(`<a href="https://a.example/sale">Sale</a><a href="https://a.example/new">New in</a>${FOOTER}`));
    expect(newsletter.link).toBeNull();
    expect(newsletter.seen.map((l) => l.url)).toEqual(['https://a.example/sale', 'https://a.example/new']);
    expect(confirmationLink(htmlLinks(FOOTER)).link).toBeNull();
  });

  it('a link pattern picks the link whose address matches, whatever its text', () => {
    const links = htmlLinks(`<a href="https://a.example/sale">Sale</a><a href="https://a.example/v?token=9">Here</a>`);
    expect(confirmationLink(links, /\/v\?token=/).link?.url).toBe('https://a.example/v?token=9');
    expect(confirmationLink(links, /nothing/).link).toBeNull();
  });
});

describe('mail links of a large broken mail', () => {
  it('stay linear: links never closed, or a plain line of a thousand addresses, read in well under a second', () => {
    const started = performance.now();
    const links = htmlLinks(`<a href="https://shop.example/verify?t=1">Confirm</a>${'<a href="https://x.example/">x '.repeat(30_000)}${'<a x '.repeat(100_000)}`);
    expect(links).toEqual([{ url: 'https://shop.example/verify?t=1', text: 'Confirm' }]);
    const plain = plainLinks(`Confirm: https://shop.example/verify?t=1 ${'see https://x.example/a '.repeat(40_000)}`);
    expect(plain).toHaveLength(40_001);
    expect(plain[0]).toEqual({ url: 'https://shop.example/verify?t=1', text: 'Confirm:' });
    expect(plain[1].text.length).toBeLessThanOrEqual(200);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

describe('links of tracked mail and hosts that end like a social one', () => {
  it('a tracking link\'s random token neither passes the Confirm button over nor names the logo link before it', () => {
    const tracked = (token: string) => `https://click.sender.com/ls/click?upn=${token}`;
    const html = `<a href="${tracked('u7-Join.Xq')}"><img alt="Shop" src="logo.png"></a><a href="${tracked('Q3d-help.Agbx&amp;d=2')}">Confirm</a><a href="${tracked('z9')}">Unsubscribe</a>`;
    expect(confirmationLink(htmlLinks(html)).link?.url).toBe(tracked('Q3d-help.Agbx&d=2'));
  });

  it('accounts.firefox.com and netflix.com are not x.com; x.com, help and unsubscribe paths still are left out', () => {
    const firefox = '<a href="https://www.mozilla.org/">Mozilla</a><a href="https://accounts.firefox.com/verify_email?uid=1&amp;code=2">Confirm email</a>';
    expect(confirmationLink(htmlLinks(firefox)).link?.url).toBe('https://accounts.firefox.com/verify_email?uid=1&code=2');
    expect(confirmationLink(htmlLinks('<a href="https://www.netflix.com/account/verify?t=1">Open</a>')).link?.url).toBe('https://www.netflix.com/account/verify?t=1');
    for (const url of ['https://x.com/shop', 'https://shop.example/help/verify', 'https://shop.example/unsubscribe?verify=1', 'https://support.shop.example/confirm']) {
      expect(confirmationLink(htmlLinks(`<a href="${url}">Open</a>`)).link, url).toBeNull();
    }
  });
});
