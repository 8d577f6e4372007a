// Access tokens per portal: the static private-app token for single-portal setups, or the portal's OAuth
// installation.
import type { Config } from '../config';
import type { SecretBox } from '../store/secrets';
import type { Store } from '../store/types';
import { SyncConfigError } from '../sync/errors';

export interface AccessTokenProvider {
  getAccessToken(portalId: string): Promise<string>;
  /** Portals this receiver can write to. */
  knownPortals(): string[];
}

export function createTokenProvider(deps: { config: Config; store: Store; secrets: SecretBox; now?: () => number }): AccessTokenProvider {
  const now = deps.now ?? Date.now;
  const staticToken = deps.config.hubspot.staticToken;
  return {
    async getAccessToken(portalId) {
      if (staticToken && staticToken.portalId === portalId) return staticToken.accessToken;
      const installation = deps.store.getInstallation(portalId);
      if (!installation || installation.status !== 'active' || !installation.accessTokenSealed) {
        throw new SyncConfigError(
          `HubSpot portal ${portalId} is not connected: install the app ("Request access") or set HUBSPOT_ACCESS_TOKEN and HUBSPOT_PORTAL_ID.`,
        );
      }
      if (installation.accessTokenExpiresAt <= now()) {
        throw new SyncConfigError(`The HubSpot access token of portal ${portalId} has expired; reinstall the app.`);
      }
      return deps.secrets.decrypt(installation.accessTokenSealed);
    },
    knownPortals() {
      const portals = new Set(deps.store.listInstallations().filter((i) => i.status === 'active').map((i) => i.portalId));
      if (staticToken) portals.add(staticToken.portalId);
      return [...portals];
    },
  };
}
