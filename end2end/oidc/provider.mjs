// A real OpenID provider for the single sign-on journey (end2end/tests/sso.spec.ts): the
// certified `oidc-provider` package on 127.0.0.1:3130 with one confidential client (the
// portal at 127.0.0.1:3100), PKCE required, its development login form, and two people.
// Started by start-server.sh; lives as long as the portal.
import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';

const ISSUER = 'http://127.0.0.1:3130';

// Who may sign in (any password): the development form's "login" is the account id.
const PEOPLE = {
  'sso-admin': {
    email: 'sso-admin@example.org',
    email_verified: true,
    name: 'Sunny Single',
    roles: ['pms-admin'],
  },
  'sso-unverified': {
    email: 'sso-unverified@example.org',
    email_verified: false,
    name: 'Una Unverified',
    roles: ['pms-admin'],
  },
};

// A fresh signing key per run (kid names the run, so a restart looks like a key rotation).
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signing = { ...privateKey.export({ format: 'jwk' }), kid: `e2e-${Date.now()}`, alg: 'RS256', use: 'sig' };

const provider = new Provider(ISSUER, {
  clients: [
    {
      client_id: 'pms-portal',
      client_secret: 'e2e-portal-secret-not-for-production',
      // The journeys' portal, and the one where operators must use single sign-on.
      redirect_uris: [
        'http://127.0.0.1:3100/auth/sso/callback',
        'http://127.0.0.1:3101/auth/sso/callback',
      ],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  pkce: { required: () => true },
  jwks: { keys: [signing] },
  // The portal reads email, its verification and the roles; with conformIdTokenClaims (the
  // default) they come from userinfo, not the ID token, which the portal handles too.
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'roles'],
  },
  findAccount: async (_ctx, id) => {
    const person = PEOPLE[id];
    if (!person) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...person }) };
  },
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ['e2e-cookie-key-not-for-production'] },
});

provider.listen(3130, '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${ISSUER}`);
});
