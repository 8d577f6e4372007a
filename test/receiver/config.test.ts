import { describe, expect, it } from 'vitest';
import { ConfigError, describeConfig, loadConfig } from '../../receiver/config';

describe('configuration', () => {
  it('has working defaults with nothing set', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 3000, host: '127.0.0.1', publicUrl: 'http://localhost:3000', dataFile: './data/pretix-hubspot.json' });
    expect(config.hubspot.rateLimit).toEqual({ limit: 110, intervalMs: 10_000 });
    const { missing } = describeConfig(config);
    expect(missing.join('\n')).toMatch(/HUBSPOT_ACCESS_TOKEN/);
  });

  it('names the variable when a value is invalid', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ HUBSPOT_RATE_LIMIT: 'fast' })).toThrow(/HUBSPOT_RATE_LIMIT/);
    expect(() => loadConfig({ SECRET_KEY: 'short' })).toThrow(/SECRET_KEY/);
    expect(() => loadConfig({ HUBSPOT_CLIENT_ID: 'x' })).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/SECRET_KEY: required in production/);
  });

  it('parses rates and durations', () => {
    const config = loadConfig({ HUBSPOT_RATE_LIMIT: '100/10s', PRETIX_RATE_LIMIT: '360/1m', RECONCILE_INTERVAL: '15m', PUBLIC_URL: 'https://hs.example.com/' });
    expect(config.hubspot.rateLimit).toEqual({ limit: 100, intervalMs: 10_000 });
    expect(config.pretix.rateLimit).toEqual({ limit: 360, intervalMs: 60_000 });
    expect(config.sync.reconcileIntervalMs).toBe(900_000);
    expect(config.publicUrl).toBe('https://hs.example.com');
  });

  it('bounds shutdown at 8 s unless SHUTDOWN_TIMEOUT says otherwise', () => {
    expect(loadConfig({}).shutdownTimeoutMs).toBe(8_000);
    expect(loadConfig({ SHUTDOWN_TIMEOUT: '3s' }).shutdownTimeoutMs).toBe(3_000);
    expect(loadConfig({ SHUTDOWN_TIMEOUT: '500ms' }).shutdownTimeoutMs).toBe(500);
    expect(() => loadConfig({ SHUTDOWN_TIMEOUT: 'soon' })).toThrow(/SHUTDOWN_TIMEOUT/);
  });

  it('repairs damaged state only when told: REPAIR_DAMAGED_STATE=1 or --repair', () => {
    expect(loadConfig({}).repairDamagedState).toBe(false);
    expect(loadConfig({ REPAIR_DAMAGED_STATE: '0' }).repairDamagedState).toBe(false);
    expect(loadConfig({ REPAIR_DAMAGED_STATE: '1' }).repairDamagedState).toBe(true);
    expect(loadConfig({}, ['--repair']).repairDamagedState).toBe(true);
    expect(() => loadConfig({ REPAIR_DAMAGED_STATE: 'yes please' })).toThrow(/REPAIR_DAMAGED_STATE/);
  });
});
