import { describe, expect, it } from 'vitest';
import { defaultCode, namedLetteredCode } from './default-code.ts';

const FOOTER = '\n\nShop Ltd, Hauptstraße 5, 10115 Berlin. © 2026 Shop Ltd';

describe('defaultCode: the code the default pattern reads from a mail', () => {
  it('a number next to a word naming the code wins over the numbers before it', () => {
    expect(defaultCode('Order 10023 is on its way. Your code is 483920.')).toBe('483920');
    expect(defaultCode('Order 10023 — your verification code: 483920')).toBe('483920');
    expect(defaultCode('Hi from 10115 Berlin!\n\nYour one-time passcode:\n\n  483920\n')).toBe('483920');
    expect(defaultCode('Valid until 2026.\n483920 is your Instagram code')).toBe('483920');
    expect(defaultCode('Account 55512345\n\nUse 7654321 as your Microsoft account security code.')).toBe('7654321');
    expect(defaultCode('Order 1001, ref 2002. Your PIN: 4839. TAN 5521 follows.')).toBe('4839');
  });

  it('prefixed codes: G-123456 (Google), "Code: 123456", "#123456"', () => {
    expect(defaultCode(`Hello,${FOOTER}`, 'G-123456 is your Google verification code')).toBe('123456');
    expect(defaultCode(`Hi 2026 member! Code: 123456${FOOTER}`)).toBe('123456');
    expect(defaultCode(`Since 2026: your code #123456${FOOTER}`)).toBe('123456');
    expect(defaultCode('#123456')).toBe('123456');
    expect(defaultCode('G-123456')).toBe('123456');
  });

  it('a code only in the subject, the body with other numbers: the subject wins when it names the code', () => {
    expect(defaultCode(`Welcome! Use the code in the subject to sign in.${FOOTER}`, '483920 is your Acme code')).toBe('483920');
    expect(defaultCode(`Welcome!${FOOTER}`, 'Your verification code: 483920')).toBe('483920');
    expect(defaultCode(`Bitte bestätigen.${FOOTER}`, 'Ihr Bestätigungscode lautet 483920')).toBe('483920');
    // The text's own named code comes before the subject's.
    expect(defaultCode('Your code: 111222', 'Your code: 333444')).toBe('111222');
  });

  it('the word in other languages and scripts', () => {
    for (const text of [
      'Votre code de vérification : 483920',
      'Tu código de verificación es 483920',
      'Il tuo codice è 483920',
      'Seu código: 483920',
      'Je verificatiecode is 483920',
      'Din engångskod är 483920',
      'Koden din: 483920',
      'Vahvistuskoodisi on 483920',
      'Twój kod weryfikacyjny to 483920',
      'Váš ověřovací kód je 483920',
      'Doğrulama kodunuz: 483920',
      'Ваш код подтверждения: 483920',
      'Ο κωδικός σας είναι 483920',
      '您的验证码是483920。',
      '認証コード：483920',
      '인증번호 [483920]',
      'Your OTP is 483920',
      'Ihre mTAN lautet 483920',
    ]) {
      expect(defaultCode(`Ref 10023 — ${FOOTER}\n${text}`), text).toBe('483920');
    }
  });

  it('words on "code" that name another number do not: postcode, promo code, code postal, barcode…', () => {
    // Nothing names the code: the first number, as before.
    for (const text of [
      'Postcode 10115',
      'ZIP code 94105',
      'Promo code 2026 gives 10% off',
      'Code postal 75001',
      'Código postal 28001',
      'Barcode 40123455',
      'QR-Code 7788',
      'Error code 5001',
      'Gutscheincode 1234',
      'pin 4839 to the board',
    ]) {
      expect(defaultCode(`Sign in with 483920\n\n${text}`), text).toBe('483920');
    }
  });

  it('a word does not reach past another number, the end of a sentence, a comma, or 40 characters', () => {
    // A labelled number (order, invoice, phone…) is passed over as words are: the code is 483920.
    expect(defaultCode('Your code for order 4711 is 483920')).toBe('483920');
    expect(defaultCode('Your code for order 4711')).toBe('4711'); // no other number: the first, as before
    expect(defaultCode('Your code for 4711 is 483920')).toBe('4711'); // not labelled: the nearest number
    expect(defaultCode('483920\n\nDid not ask for a code? Call 55501234')).toBe('483920');
    expect(defaultCode('483920\n\nIf you did not ask for a code, call 55501234')).toBe('483920');
    expect(defaultCode('483920\n\nThis code was sent to the address you gave us on the site 55501234')).toBe('483920');
  });

  it('a word names a number on the next line only when the number starts it, and one before it only on its own line', () => {
    expect(defaultCode('Sign in with\n483920\nis your code\nOrder 4711')).toBe('483920');
    expect(defaultCode('Order 4711\nYour code for the site\n\n  483920\n')).toBe('483920');
    expect(defaultCode('Use 10115\ncode\nor 483920')).toBe('10115'); // neither: the first number, as before
    expect(defaultCode('Use 483920 to sign in\nRef 4711\nthe code expires soon')).toBe('483920');
  });

  it('never a piece of a date, phone number or amount, a number with a currency, one after + or run on to letters, or a year after ©', () => {
    expect(defaultCode('Your code expires 2026-12-06.\n\n483920')).toBe('483920');
    expect(defaultCode('Code sent 06.12.2026\n483920')).toBe('483920');
    expect(defaultCode('Your code, or call +1 415 555 0100\n\n483920')).toBe('483920');
    expect(defaultCode('Code for the payment of 1 234,56 € — 483920 below')).toBe('483920');
    expect(defaultCode('Code for the payment of € 4500\n\n483920')).toBe('483920');
    expect(defaultCode('Verification services © 2026 Acme\n\n483920')).toBe('483920');
    expect(defaultCode('Sign in with 483920\nPIN hotline +4930123')).toBe('483920');
    expect(defaultCode('Sign in with 483920\nModel ABC1234 or 5678x applies')).toBe('483920');
  });

  it('a mail that names no code reads as before: the first number of 4 to 8 digits, the text before the subject', () => {
    expect(defaultCode(`Here you go: 717171${FOOTER}`)).toBe('717171');
    expect(defaultCode('Nothing here.\nCall 55501234', 'Nothing either')).toBe('55501234');
    expect(defaultCode('Nothing here.', 'Acme 483920')).toBe('483920');
    expect(defaultCode('Nothing here.', 'Nothing either')).toBeNull();
    expect(defaultCode('Call 12 34 56 78')).toBeNull();
  });

  describe('a mail whose words name no number', () => {
    it('a code only in the subject wins over the address or footer numbers of the text', () => {
      expect(defaultCode(`Hello!${FOOTER}`, 'Sign in with 483920')).toBe('483920');
      expect(defaultCode(`Welcome aboard.\nAcme Inc., 1 Main St, Springfield 62704`, 'Acme: 483920')).toBe('483920');
      // A year in the subject is passed over for the text's number.
      expect(defaultCode(`Use 483920 to sign in.`, 'Acme 2026')).toBe('483920');
    });

    it('a number in both the subject and the text, then one standing alone on its line', () => {
      expect(defaultCode(`Welcome to Acme, 10115 Berlin.\nSign in with 483920 now.`, 'Acme 483920')).toBe('483920');
      expect(defaultCode(`Acme, Hauptstraße 5, 10115 Berlin\n\n   [ 483920 ]\n\nThanks!`)).toBe('483920');
      expect(defaultCode(`Member since 2019\n\n2026\n\nUse 483920 to sign in`)).toBe('483920');
    });

    it('a subject naming the code, the text holding only the number — in groups too', () => {
      expect(defaultCode(`Hello!\n\n123 456\n${FOOTER}`, 'Your verification code')).toBe('123456');
      expect(defaultCode(`Hi 2026 member!\n\n483920\n${FOOTER}`, 'Your Acme code')).toBe('483920');
      expect(defaultCode(`Hello!\nOrder 4711\n\n555 123${FOOTER}`, 'Your code')).toBe('555123');
      // Labelled numbers are still never the code.
      expect(defaultCode(`Order 123 456`, 'Your code')).toBeNull();
    });
  });

  describe('a code written in groups reads as its digits joined, where a word names it the code', () => {
    it('123 456, 123-456, 1234 5678, 12 34 56 — not the footer year or postcode after it', () => {
      expect(defaultCode(`Your WhatsApp code: 123-456\n\nDon't share this code with others.${FOOTER}`)).toBe('123456');
      expect(defaultCode(`Security code: 123\u00a0456${FOOTER}`)).toBe('123456');
      expect(defaultCode(`Your verification code is 1234 5678.${FOOTER}`)).toBe('12345678');
      expect(defaultCode(`Votre code : 12 34 56${FOOTER}`)).toBe('123456');
      expect(defaultCode(`Hi!${FOOTER}`, '123-456 is your Signal verification code')).toBe('123456');
      expect(defaultCode(`Your one-time passcode:\n\n  (4821-9930)\n\nOrder 10023`)).toBe('48219930');
    });

    it('not a phone number, date, time, amount or year range, even next to the word', () => {
      for (const text of [
        'Your code? Call 06 12 34 56 78',
        'Your code, or call +1 415 555 0100',
        'Code: 555-0100',
        'Code hotline 0800 123 4567',
        'Code sent 2026-12-06',
        'Code sent 06.12.2026',
        'Code sent 06/12/2026 10:15:30',
        'Code for 1 234,56 €',
        'Code for 123 456 €',
        'Code for EUR 123 456',
        'Code of conduct 2020-2026',
        'Code 123 456 789',
        'Code 12-34-56',
        'Code for 12 34.56',
      ]) {
        expect(defaultCode(`${text}${FOOTER}`), text).toBe('10115');
      }
    });

    it('not an order or reference number that merely looks grouped', () => {
      for (const text of [
        'Your code for order 123-456 is below',
        'Code for Order No. 1234-5678',
        'Bestellnummer: 1234 5678 — Ihr Code folgt',
        'Code #123-456',
        'Code x123 456 and 123 456x',
        'Code Tel. 1234 5678',
      ]) {
        expect(defaultCode(`${text}${FOOTER}`), text).toBe('10115');
      }
      // Nor, named by no word, any grouped number: the first number on its own, as before.
      expect(defaultCode(`Order 123-456\nUse 483920 to sign in${FOOTER}`)).toBe('483920');
      expect(defaultCode('Your code\nOrder 123 456')).toBeNull();
    });

    it('lines apart are never groups: a code at the end of a line, a year on the next', () => {
      expect(defaultCode('Your code is 4839\n2026 Acme')).toBe('4839');
    });
  });

  it('stays fast on a long mail of words and numbers', () => {
    const started = Date.now();
    // Quadratic work would take minutes here.
    defaultCode(`code ${'word 12 '.repeat(30_000)}`);
    defaultCode(`${'1234 code x '.repeat(25_000)}`);
    defaultCode(`code${' '.repeat(300_000)}1234 ${'code\n'.repeat(50_000)}`);
    defaultCode(`${'Order 123 456 code '.repeat(15_000)}`);
    expect(Date.now() - started).toBeLessThan(5_000); // quadratic work: minutes; a busy machine: a few times the 0.3 s
  });
});

describe('defaultCode: a code with letters', () => {
  it('a word naming a code with letters (X7K9P2, AB12-CD34, ABCD-1234, 4821-KQ7X): no number of the mail is taken instead, nor a piece of it', () => {
    for (const [text, code] of [
      ['Your verification code is X7K9P2. It expires in 10 minutes.', 'X7K9P2'],
      ['Your code: AB12-CD34', 'AB12-CD34'],
      ['Your code: ABCD-1234', 'ABCD-1234'],
      ['Your code: 4821-KQ7X', '4821-KQ7X'],
      ['Code INV-123-456', 'INV-123-456'],
      ['X7K9P2 is your code', 'X7K9P2'],
    ]) {
      expect(defaultCode(`${text}${FOOTER}`, 'Your verification code'), text).toBeNull();
      expect(namedLetteredCode(`${text}${FOOTER}`), text).toBe(code);
    }
    // In the subject only, the text naming nothing.
    expect(defaultCode(`Hello,${FOOTER}`, 'Your sign-in code: K7QX-42PM')).toBeNull();
    expect(namedLetteredCode(`Hello,${FOOTER}`, 'Your sign-in code: K7QX-42PM')).toBe('K7QX-42PM');
  });

  it('a number named the code still wins, a prefix letter or OTP- is no code with letters, and one no word names changes nothing', () => {
    expect(defaultCode('Your code: 483920. Order AB12CD ships today.')).toBe('483920');
    expect(defaultCode(`Your code: G-483920${FOOTER}`)).toBe('483920');
    expect(defaultCode(`Your OTP-483920${FOOTER}`)).toBe('483920');
    expect(defaultCode(`Your OTP: OTP-483920${FOOTER}`)).toBe('483920');
    expect(defaultCode(`Model X7K9P2 is in stock.${FOOTER}`)).toBe('10115');
    expect(namedLetteredCode(`Model X7K9P2 is in stock.${FOOTER}`)).toBeNull();
    // Not codes with letters: all letters, all digits, lower case, too long.
    expect(namedLetteredCode('Your code: ABCDEF')).toBeNull();
    expect(namedLetteredCode('Your code: abc123')).toBeNull();
    expect(namedLetteredCode('Your code: A1B2C3D4E5F6G7H8J9')).toBeNull();
  });
});
