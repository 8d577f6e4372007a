// Written by `npm run hubspot:configure` from PUBLIC_URL; do not edit by hand.
// HubSpot bundles each UI extension folder on its own, so every folder carries its own copy.
export const RECEIVER_URL = 'https://pretix-hubspot.example.com';
