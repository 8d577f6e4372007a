// The small shared UI modules: the receiver client, the loading hook, and the rule that both UI
// folders carry identical copies of them (HubSpot bundles each folder on its own).
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Text } from '@hubspot/ui-extensions';
import { createRenderer } from '@hubspot/ui-extensions/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ReceiverError, errorFromAnswer, receiverRequest, receiverUrl } from '../../src/app/cards/lib/receiver';
import { useReceiver } from '../../src/app/cards/lib/useReceiver';
import { RECEIVER, json, mockReceiver } from './receiver-mock';

const appDir = path.resolve(import.meta.dirname, '../../src/app');

afterEach(() => {
  vi.restoreAllMocks();
});

describe('receiver client', () => {
  it('puts portalId first, repeats array parameters and skips empty ones', () => {
    expect(receiverUrl(42, '/api/v1/x', { email: ['a@x.org', 'b c@y.org'], model: 'Order', none: null })).toBe(
      `${RECEIVER}/api/v1/x?portalId=42&email=a%40x.org&email=b+c%40y.org&model=Order`,
    );
  });

  it('never sends a body with GET and always sets the timeout', async () => {
    const { spy } = mockReceiver({ 'GET /api/v1/x': json({ ok: true }) });
    await receiverRequest(1, 'GET', '/api/v1/x', { body: { ignored: true } });
    expect(spy).toHaveBeenCalledWith(`${RECEIVER}/api/v1/x?portalId=1`, { method: 'GET', timeout: 14000 });
  });

  it('turns answers into errors the UI can show', async () => {
    mockReceiver({
      'GET /api/v1/x': new Response('<html>bad gateway</html>', { status: 502 }),
      'GET /api/v1/y': new Response('<html>login</html>', { status: 200 }),
      'POST /api/v1/z': new Response(null, { status: 204 }),
    });
    await expect(receiverRequest(1, 'GET', '/api/v1/x')).rejects.toMatchObject({ kind: 'http', status: 502, message: 'The pretix-hubspot service answered with HTTP 502.' });
    await expect(receiverRequest(1, 'GET', '/api/v1/y')).rejects.toMatchObject({ kind: 'invalid_response' });
    // A 204 is a success without data only where the caller needs no data (the retry button).
    await expect(receiverRequest(1, 'POST', '/api/v1/z', { body: {}, emptyOk: true })).resolves.toBeUndefined();
    await expect(receiverRequest(1, 'POST', '/api/v1/z', { body: {} })).rejects.toMatchObject({ kind: 'invalid_response' });
    const wrapped = errorFromAnswer(502, {
      status: 'error',
      responseBody: { error: 'validation', message: 'bad', fieldErrors: { apiToken: 'wrong' } },
      context: { appServerStatusCode: [400] },
    });
    expect(wrapped).toBeInstanceOf(ReceiverError);
    expect([wrapped.status, wrapped.message, wrapped.fieldErrors]).toEqual([400, 'bad', { apiToken: 'wrong' }]);
  });
});

describe('useReceiver', () => {
  const Probe = ({ path }: { path: string | null }) => {
    const { state } = useReceiver<{ name: string }>(7, path);
    return <Text testId="probe">{`${state.status}:${state.data?.name ?? '-'}:${state.error?.message ?? '-'}`}</Text>;
  };

  it('drops the answer of a superseded request', async () => {
    let releaseSlow: (response: Response) => void = () => undefined;
    mockReceiver({
      'GET /slow': () => new Promise<Response>((resolve) => (releaseSlow = resolve)),
      'GET /fast': json({ name: 'fast' }),
    });
    const { render, findByTestId, waitFor } = createRenderer('settings');
    render(<Probe path="/slow" />);
    expect(findByTestId(Text, 'probe').text).toBe('loading:-:-');
    render(<Probe path="/fast" />);
    await waitFor(() => expect(findByTestId(Text, 'probe').text).toBe('success:fast:-'));
    releaseSlow(json({ name: 'slow' }));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(findByTestId(Text, 'probe').text).toBe('success:fast:-');
  });

  it('stays idle without a path and reports errors', async () => {
    mockReceiver({ 'GET /broken': json({ error: 'x', message: 'boom' }, 500) });
    const { render, findByTestId, waitFor } = createRenderer('settings');
    render(<Probe path={null} />);
    expect(findByTestId(Text, 'probe').text).toBe('idle:-:-');
    render(<Probe path="/broken" />);
    await waitFor(() => expect(findByTestId(Text, 'probe').text).toBe('error:-:boom'));
  });
});

describe('UI folder boundaries', () => {
  const filesIn = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      if (entry.name === 'node_modules') return [];
      const full = path.join(dir, entry.name);
      return entry.isDirectory() ? filesIn(full) : /\.(ts|tsx)$/.test(entry.name) ? [full] : [];
    });

  it('cards/lib and settings/lib hold identical copies', () => {
    const names = readdirSync(path.join(appDir, 'cards/lib')).sort();
    expect(readdirSync(path.join(appDir, 'settings/lib')).sort()).toEqual(names);
    for (const name of names) {
      expect(readFileSync(path.join(appDir, 'settings/lib', name), 'utf8'), name).toBe(readFileSync(path.join(appDir, 'cards/lib', name), 'utf8'));
    }
  });

  it('only api-types.ts reaches outside its folder, and only for types', () => {
    for (const folder of ['cards', 'settings']) {
      for (const file of filesIn(path.join(appDir, folder))) {
        const source = readFileSync(file, 'utf8');
        const relative = path.relative(appDir, file);
        const outside = [...source.matchAll(/(?:import|export)[^;]*?from\s+'(\.[^']*)'/g)]
          .map((match) => match[1]!)
          .filter((specifier) => path.relative(path.join(appDir, folder), path.resolve(path.dirname(file), specifier)).startsWith('..'));
        if (relative.endsWith('api-types.ts')) {
          expect(source.replace(/^\s*\/\/.*$/gm, '').trim()).toBe("export type * from '../shared/api-types';");
        } else {
          expect(outside, relative).toEqual([]);
        }
      }
    }
  });

  it('the settings page uses no CRM-only components or hooks', () => {
    for (const file of filesIn(path.join(appDir, 'settings'))) {
      expect(readFileSync(file, 'utf8'), file).not.toContain('@hubspot/ui-extensions/crm');
    }
  });
});
