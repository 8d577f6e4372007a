// The install as a person does it, in a real browser (Debian's Chromium through playwright-core): the status page,
// "Request access", HubSpot's consent page ("Connect app"), the active page, and the status page naming the portal.
// Screenshots of each page are kept under test-results/screenshots/ (git-ignored) for a person to look at.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, type TestBrowser } from '../helpers/chromium';
import { REPO_ROOT } from '../helpers/receiver-process';
import { PORTAL_ID, startStack, type Stack } from '../helpers/stack';

const SCREENSHOTS = join(REPO_ROOT, 'test-results', 'screenshots');

let browser: TestBrowser | undefined;
let stack: Stack | undefined;

beforeAll(async () => {
  await mkdir(SCREENSHOTS, { recursive: true });
  // Installs Debian's Chromium on a fresh machine (apt-get), so the first run may take a minute or two.
  browser = await launchChromium();
}, 600_000);

afterAll(async () => {
  // The browser first: its keep-alive connections would hold the receiver's close() open.
  await browser?.close();
  await stack?.close();
}, 60_000);

describe('install pages in a browser', () => {
  it('goes from "Request access" through HubSpot\'s consent page to "The HubSpot integration is now active"', async () => {
    stack = await startStack({ oauth: true, staticToken: false });
    const page = await browser!.context.newPage();

    await page.goto(`${stack.receiverUrl}/`);
    expect(await page.title()).toBe('HubSpot Integration');
    await expect(page.locator('#next-step').textContent()).resolves.toContain('Click "Request access"');
    await page.screenshot({ path: join(SCREENSHOTS, '1-status-before-install.png'), fullPage: true });

    await page.getByRole('link', { name: 'Request access' }).click();
    await page.waitForURL((url) => url.toString().startsWith(`${stack!.hubspot.url}/oauth/authorize`));
    await expect(page.locator('h1').textContent()).resolves.toBe(`Connect app to HubSpot account ${PORTAL_ID}`);
    await page.screenshot({ path: join(SCREENSHOTS, '2-hubspot-consent.png'), fullPage: true });

    await page.locator('#connect-app').click();
    await page.waitForURL((url) => url.pathname === '/oauth/callback');
    expect(await page.title()).toBe('HubSpot Integration');
    const result = await page.locator('#install-result').textContent();
    expect(result).toContain('The HubSpot integration is now active');
    expect(await page.locator('#portal-id').textContent()).toBe(PORTAL_ID);
    await expect(page.locator('main').textContent()).resolves.toContain('Add a pretix connection');
    await page.screenshot({ path: join(SCREENSHOTS, '3-install-active.png'), fullPage: true });

    // Reloading the result page does not install twice: the state is single-use.
    const reload = await page.reload();
    expect(reload?.status()).toBe(400);
    await expect(page.locator('#problem').textContent()).resolves.toContain('already used once');
    await page.screenshot({ path: join(SCREENSHOTS, '4-install-replayed.png'), fullPage: true });

    await page.getByRole('link', { name: 'Back to the status page' }).click();
    await page.waitForURL(`${stack.receiverUrl}/`);
    const portalRow = page.locator(`tr.portal[data-portal="${PORTAL_ID}"]`);
    await expect(portalRow.textContent()).resolves.toContain('installed');
    await expect(page.locator('#next-step').textContent()).resolves.toContain('Add a pretix connection');
    await page.screenshot({ path: join(SCREENSHOTS, '5-status-after-install.png'), fullPage: true });

    expect((await stack.store.getInstallation(PORTAL_ID))?.status).toBe('active');
    expect(stack.hubspot.codeExchangeCount(PORTAL_ID)).toBe(1);
    await page.close();
  });
});
