// Access tokens per portal: the static private-app token for single-portal setups, or the portal's OAuth
// installation, refreshed shortly before it expires — once per portal however many requests want it at the same
// moment (single flight). A refresh token HubSpot refuses (`invalid_grant` / `BAD_REFRESH_TOKEN`) means the app was
// uninstalled from the portal: the installation is marked so, its jobs fail as configuration errors, and a new
// install revives it. Across receiver instances the refresh is one per portal too: it runs under the portal's lease
// (lib/leases.ts); an instance that does not get the lease waits for the stored token to change and uses that one.
import type { Config } from '../config';
import { safeEqual, type SecretBox } from '../store/secrets';
import type { Installation, Store } from '../store/types';
import { SyncConfigError, TransientSyncError } from '../domain/errors';
import { OAuthGrantRevokedError, OAuthUnavailableError, type OAuthClient } from './oauth-client';
import { createMemoryLeases, type Leases } from '../lib/leases';

export interface AccessTokenProvider {
  getAccessToken(portalId: string): Promise<string>;
  /**
   * HubSpot answered 401 to `token`. Refreshes once if it is still the portal's current token; true when there is
   * a newer token to retry with. Throws a SyncConfigError when the portal turns out to be uninstalled.
   */
  tokenRejected(portalId: string, token: string): Promise<boolean>;
}

export interface TokenProviderDeps {
  config: Config;
  store: Store;
  secrets: SecretBox;
  /** Absent when HUBSPOT_CLIENT_ID/SECRET are not set. */
  oauth?: OAuthClient;
  now?: () => number;
  /** Observes refreshes and uninstalls (for logs); never receives a token. */
  onEvent?: (event: { type: 'refreshed' | 'refresh_postponed' | 'uninstalled'; portalId: string; detail?: string }) => void;
  /** Where a refresh takes the portal's lease (default: this process only). */
  leases?: Leases;
  /** While another instance refreshes: how often to look at the stored token (default 100 ms). */
  refreshPollMs?: number;
}

/** The lease a token refresh of one portal holds: longer than a refresh may take (the OAuth client's timeout). */
export const tokenRefreshLeaseName = (portalId: string) => `token-refresh:${portalId}`;
const REFRESH_LEASE_TTL_MS = 30_000;

/** Refresh this long before expiry: 10 % of the token's lifetime, at most 5 minutes (60 s if the lifetime is unknown). */
export function refreshMarginMs(installation: Pick<Installation, 'accessTokenExpiresAt' | 'accessTokenIssuedAt'>): number {
  if (installation.accessTokenIssuedAt === undefined) return 60_000;
  const lifetime = Math.max(0, installation.accessTokenExpiresAt - installation.accessTokenIssuedAt);
  return Math.min(5 * 60_000, lifetime / 10);
}

/** A token this close to its expiry is not used any more: a request sent with it could arrive after it. */
const STILL_VALID_SLACK_MS = 15_000;

export const notConnectedMessage = (portalId: string) =>
  `HubSpot portal ${portalId} is not connected: install the app ("Request access" on the receiver's status page) ` +
  'or set HUBSPOT_ACCESS_TOKEN and HUBSPOT_PORTAL_ID.';

export function createTokenProvider(deps: TokenProviderDeps): AccessTokenProvider {
  const now = deps.now ?? Date.now;
  const staticToken = deps.config.hubspot.staticToken;
  const inflight = new Map<string, Promise<string>>();
  const leases = deps.leases ?? createMemoryLeases();
  const pollMs = deps.refreshPollMs ?? 100;

  const activeInstallation = async (portalId: string): Promise<Installation> => {
    const installation = await deps.store.getInstallation(portalId);
    if (!installation || installation.status !== 'active' || !installation.accessTokenSealed || !installation.refreshTokenSealed) {
      const reason = installation?.uninstalledReason ? ` (${installation.uninstalledReason})` : '';
      throw new SyncConfigError(`${notConnectedMessage(portalId)}${reason}`);
    }
    return installation;
  };

  async function markUninstalled(installation: Installation, reason: string): Promise<void> {
    const current = await deps.store.getInstallation(installation.portalId);
    // A reinstall between our refresh attempt and its refusal must not be undone.
    if (!current || current.refreshTokenSealed !== installation.refreshTokenSealed) return;
    await deps.store.saveInstallation({
      ...current,
      status: 'uninstalled',
      accessTokenSealed: null,
      refreshTokenSealed: null,
      accessTokenExpiresAt: 0,
      updatedAt: new Date(now()).toISOString(),
      uninstalledReason: reason,
    });
    deps.onEvent?.({ type: 'uninstalled', portalId: installation.portalId, detail: reason });
  }

  async function refresh(portalId: string): Promise<string> {
    const installation = await activeInstallation(portalId);
    if (!deps.oauth) {
      throw new SyncConfigError(
        `Portal ${portalId} was installed through OAuth, but HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET are not set, so its token cannot be refreshed.`,
      );
    }
    let answer;
    try {
      answer = await deps.oauth.refresh(deps.secrets.decrypt(installation.refreshTokenSealed!));
    } catch (error) {
      if (error instanceof OAuthGrantRevokedError) {
        const reason = `HubSpot refused the refresh token on ${new Date(now()).toISOString()}: the app was uninstalled from this portal or its access was revoked`;
        await markUninstalled(installation, reason);
        throw new SyncConfigError(
          `The HubSpot app was uninstalled from portal ${portalId} (HubSpot refused the refresh token). Install it again with "Request access"; waiting jobs can then be retried.`,
        );
      }
      if (error instanceof OAuthUnavailableError) throw new TransientSyncError(`Could not refresh the HubSpot token of portal ${portalId}: ${error.message}`);
      throw new SyncConfigError(
        `HubSpot refused to refresh the token of portal ${portalId}: ${(error as Error).message}. Check HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET.`,
      );
    }
    const current = await deps.store.getInstallation(portalId);
    if (!current || current.status !== 'active' || current.refreshTokenSealed !== installation.refreshTokenSealed) {
      // Disconnected or reinstalled while we waited: the stored state wins.
      return deps.secrets.decrypt((await activeInstallation(portalId)).accessTokenSealed!);
    }
    const issuedAt = now();
    await deps.store.saveInstallation({
      ...current,
      accessTokenSealed: deps.secrets.encrypt(answer.access_token),
      // HubSpot keeps the refresh token across refreshes, but take a new one if it sends one.
      refreshTokenSealed: deps.secrets.encrypt(answer.refresh_token),
      accessTokenIssuedAt: issuedAt,
      accessTokenExpiresAt: issuedAt + answer.expires_in * 1000,
      scopes: answer.scopes ?? current.scopes,
      updatedAt: new Date(issuedAt).toISOString(),
    });
    deps.onEvent?.({ type: 'refreshed', portalId });
    return answer.access_token;
  }

  /**
   * We refresh early (refreshMarginMs); when HubSpot's token endpoint is down at that moment, the token we have still
   * works for a while, so requests go on with it and the next call tries the refresh again. Anything but an outage
   * (an uninstall, bad client credentials), or a token about to run out, still fails.
   */
  async function tokenStillValidDespite(portalId: string, error: unknown): Promise<string> {
    if (!(error instanceof TransientSyncError)) throw error;
    const installation = await deps.store.getInstallation(portalId);
    if (installation?.status !== 'active' || !installation.accessTokenSealed || installation.accessTokenExpiresAt - STILL_VALID_SLACK_MS <= now()) {
      throw error;
    }
    deps.onEvent?.({ type: 'refresh_postponed', portalId, detail: error.message });
    return deps.secrets.decrypt(installation.accessTokenSealed);
  }

  /**
   * The refresh across instances: under the portal's lease, and only if the stored token still needs it (another
   * instance may have refreshed it a moment ago); without the lease, wait until the instance holding it has stored
   * a token that does not need it, or its lease has run out (it died), then look again.
   */
  async function refreshLeased(portalId: string, stale: (installation: Installation) => boolean): Promise<string> {
    const lease = tokenRefreshLeaseName(portalId);
    for (;;) {
      const current = await activeInstallation(portalId);
      if (!stale(current)) return deps.secrets.decrypt(current.accessTokenSealed!);
      if (await leases.acquire(lease, REFRESH_LEASE_TTL_MS)) {
        try {
          const again = await activeInstallation(portalId);
          if (!stale(again)) return deps.secrets.decrypt(again.accessTokenSealed!);
          return await refresh(portalId);
        } finally {
          await leases.release(lease).catch(() => {});
        }
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  /** One refresh per portal at a time; every caller waiting meanwhile gets its result. */
  function refreshOnce(portalId: string, stale: (installation: Installation) => boolean): Promise<string> {
    let pending = inflight.get(portalId);
    if (!pending) {
      pending = refreshLeased(portalId, stale).finally(() => inflight.delete(portalId));
      inflight.set(portalId, pending);
    }
    return pending;
  }

  const nearExpiry = (installation: Installation) => installation.accessTokenExpiresAt - refreshMarginMs(installation) <= now();

  return {
    async getAccessToken(portalId) {
      if (staticToken && staticToken.portalId === portalId) return staticToken.accessToken;
      let pending = inflight.get(portalId);
      if (!pending) {
        const installation = await activeInstallation(portalId);
        if (!nearExpiry(installation)) return deps.secrets.decrypt(installation.accessTokenSealed!);
        pending = refreshOnce(portalId, nearExpiry);
      }
      try {
        return await pending;
      } catch (error) {
        return await tokenStillValidDespite(portalId, error);
      }
    },

    async tokenRejected(portalId, token) {
      if (staticToken && staticToken.portalId === portalId) return false;
      const pending = inflight.get(portalId);
      if (pending) {
        await pending;
        return true;
      }
      const installation = await activeInstallation(portalId);
      if (!safeEqual(deps.secrets.decrypt(installation.accessTokenSealed!), token)) return true;
      // Stale while it is still the rejected token: another instance's refresh replaces it, and that one is used.
      await refreshOnce(portalId, (current) => safeEqual(deps.secrets.decrypt(current.accessTokenSealed!), token));
      return true;
    },

  };
}
