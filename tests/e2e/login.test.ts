import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { hashPassword } from '../../server/auth/password.ts';
import { sharedBrowser } from './support/browser.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import * as s from './support/studio.ts';

const PASSWORD = 'open sesame, please';

let browser: Browser;
const contexts: BrowserContext[] = [];
const servers: TestServer[] = [];

beforeAll(async () => {
  browser = await sharedBrowser();
});
afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  for (const server of servers) await server.close();
});

/** A fresh browser context (no cookies); page errors and CSP violations are collected. */
async function freshPage(problems: string[]): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  return page;
}

describe('signing in', () => {
  test('the login page appears, a wrong password shows an error, the right one opens the flow list, sign out returns to login', async () => {
    const server = await startTestServer({ passwordHash: await hashPassword(PASSWORD) });
    servers.push(server);
    const problems: string[] = [];
    const page = await freshPage(problems);

    // Any page of the studio leads to the sign-in page first, and back there after it.
    await page.goto(server.url + '/runs');
    await page.locator(s.tid('login-form')).waitFor();
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(new URL(page.url()).searchParams.get('next')).toBe('/runs');
    expect(await page.locator(s.tid('topbar')).count()).toBe(0);

    await page.locator(s.tid('login-password')).fill('not the password');
    await page.locator(s.tid('btn-login')).click();
    await page.locator(s.tid('login-error')).filter({ hasText: 'Wrong password' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/login');

    await page.locator(s.tid('login-password')).fill(PASSWORD);
    await page.locator(s.tid('btn-login')).click();
    await page.waitForURL((u) => u.pathname === '/runs');
    await page.locator(s.tid('btn-sign-out')).waitFor();
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name === 'conveyor_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });

    // Signed in, the studio works as usual: state-changing calls carry the CSRF token, the live run view its socket.
    await page.locator(s.tid('nav-flows')).click();
    await page.locator(s.tid('flows-empty')).waitFor();
    const flowId = await s.createFlow(page, server.url, 'Signed-in flow');
    expect(flowId).toMatch(/^flow_/);
    await s.startRun(page, s.records(3));
    await s.waitForRunStatus(page, 'completed');

    // Sign out: back to the sign-in page, and the studio stays closed.
    await page.locator(s.tid('btn-sign-out')).click();
    await page.waitForURL((u) => u.pathname === '/login');
    await page.locator(s.tid('login-form')).waitFor();
    expect((await page.context().cookies()).find((c) => c.name === 'conveyor_session')).toBeUndefined();
    await page.goto(server.url + '/');
    await page.locator(s.tid('login-form')).waitFor();
    const status = await page.evaluate(() => fetch('/api/flows').then((r) => r.status));
    expect(status).toBe(401);
    expect(problems).toEqual([]);
  });

  test('without a password, /login offers to set one; setting it signs in and turns login on', async () => {
    const server = await startTestServer();
    servers.push(server);
    const problems: string[] = [];
    const page = await freshPage(problems);

    // Login off: the studio opens directly, without a sign-out button.
    await page.goto(server.url + '/');
    await page.locator(s.tid('flows-empty')).waitFor();
    expect(await page.locator(s.tid('btn-sign-out')).count()).toBe(0);

    await page.goto(server.url + '/login');
    await page.locator(s.tid('setup-form')).waitFor();
    await page.locator(s.tid('setup-password')).fill(PASSWORD);
    await page.locator(s.tid('setup-confirm')).fill(PASSWORD);
    await page.locator(s.tid('btn-setup')).click();
    await page.waitForURL((u) => u.pathname === '/');
    await page.locator(s.tid('btn-sign-out')).waitFor();

    // Another browser (no cookie) now has to sign in.
    const other = await freshPage(problems);
    await other.goto(server.url + '/');
    await other.locator(s.tid('login-form')).waitFor();
    expect(problems).toEqual([]);
  });
});
