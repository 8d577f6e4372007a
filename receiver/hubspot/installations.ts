// The life of an OAuth installation: saved when a portal installs the app (tokens sealed), revived by a reinstall
// (jobs that stopped because the portal was gone are queued again), and disconnected on request (the refresh token
// is revoked at HubSpot, then both tokens are deleted here).
import { ServiceError } from '../lib/service-error';
import type { SecretBox } from '../store/secrets';
import type { Installation, Store } from '../store/types';
import type { OAuthClient, TokenResponse } from './oauth-client';

export interface PublicInstallation {
  portalId: string;
  status: Installation['status'];
  scopes: string[];
  installedAt: string;
  updatedAt: string;
  accessTokenExpiresAt: string | null;
  uninstalledReason: string | null;
}

export class InstallationError extends ServiceError {}

export interface InstallationServiceDeps {
  store: Store;
  secrets: SecretBox;
  oauth?: OAuthClient;
  /** The job queue was changed (jobs re-queued): wake the worker. */
  onQueued?: () => void;
  now?: () => number;
}

export function toPublicInstallation(installation: Installation): PublicInstallation {
  return {
    portalId: installation.portalId,
    status: installation.status,
    scopes: installation.scopes,
    installedAt: installation.installedAt,
    updatedAt: installation.updatedAt,
    accessTokenExpiresAt: installation.accessTokenSealed ? new Date(installation.accessTokenExpiresAt).toISOString() : null,
    uninstalledReason: installation.uninstalledReason ?? null,
  };
}

export function createInstallationService(deps: InstallationServiceDeps) {
  const now = deps.now ?? Date.now;

  return {
    async list(): Promise<PublicInstallation[]> {
      return (await deps.store.listInstallations())
        .sort((a, b) => a.portalId.localeCompare(b.portalId))
        .map(toPublicInstallation);
    },

    /**
     * Stores the tokens of a finished install for `portalId` (learnt by introspection). A reinstall replaces the
     * tokens and revives an uninstalled installation; jobs of the portal that stopped with a configuration error
     * (which is what a missing installation causes) are queued again. Returns how many were.
     */
    async completeInstall(portalId: string, tokens: TokenResponse, scopes: string[]): Promise<{ installation: PublicInstallation; requeued: number }> {
      const at = now();
      const previous = await deps.store.getInstallation(portalId);
      const installation: Installation = {
        portalId,
        status: 'active',
        accessTokenSealed: deps.secrets.encrypt(tokens.access_token),
        refreshTokenSealed: deps.secrets.encrypt(tokens.refresh_token),
        accessTokenIssuedAt: at,
        accessTokenExpiresAt: at + tokens.expires_in * 1000,
        scopes,
        installedAt: previous?.installedAt ?? new Date(at).toISOString(),
        updatedAt: new Date(at).toISOString(),
      };
      await deps.store.saveInstallation(installation);
      let requeued = 0;
      for (const job of await deps.store.listJobs({ portalId, state: 'failed' })) {
        if (job.failureClass === 'config' && (await deps.store.retryJob(job.key, at))) requeued += 1;
      }
      if (requeued > 0) deps.onQueued?.();
      return { installation: toPublicInstallation(installation), requeued };
    },

    /** Revokes the portal's refresh token at HubSpot and deletes both tokens here. Nothing changes if HubSpot
     * cannot be reached (the person is told and can try again). */
    async disconnect(portalId: string): Promise<PublicInstallation> {
      const installation = await deps.store.getInstallation(portalId);
      if (!installation) throw new InstallationError(404, 'unknown_portal', `Portal ${portalId} never installed the app.`);
      if (installation.refreshTokenSealed) {
        if (!deps.oauth) {
          throw new InstallationError(
            409,
            'oauth_not_configured',
            'HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET are not set, so the token cannot be revoked at HubSpot. Set them and try again.',
          );
        }
        try {
          await deps.oauth.revoke(deps.secrets.decrypt(installation.refreshTokenSealed), 'refresh_token');
        } catch (error) {
          throw new InstallationError(
            502,
            'revoke_failed',
            `Could not revoke the token at HubSpot (${(error as Error).message}). Nothing was changed; try again.`,
          );
        }
      }
      const disconnected: Installation = {
        ...installation,
        status: 'uninstalled',
        accessTokenSealed: null,
        refreshTokenSealed: null,
        accessTokenExpiresAt: 0,
        updatedAt: new Date(now()).toISOString(),
        uninstalledReason: `disconnected by an operator on ${new Date(now()).toISOString()}; the token was revoked at HubSpot`,
      };
      await deps.store.saveInstallation(disconnected);
      return toPublicInstallation(disconnected);
    },
  };
}

export type InstallationService = ReturnType<typeof createInstallationService>;
