// node-oidc-provider as the "AS the team already runs": an authorization server we did not
// write, configured the way its own documentation configures machine-to-machine access.
//
//   node server.mjs CONFIG.json
//
// CONFIG.json (written by tests/support/node_oidc.py):
//   { "issuer": "http://127.0.0.1:PORT", "port": PORT,
//     "resources": { "<resource indicator>": { "scope": "a b", "ttl": 300 } },
//     "clients": [ { "client_id", "client_secret" | "jwks", "token_endpoint_auth_method",
//                    "scope" } ] }
//
// Features used, as documented at https://github.com/panva/node-oidc-provider/tree/main/docs:
// - clientCredentials: the client-credentials grant (RFC 6749 section 4.4);
// - resourceIndicators (RFC 8707): a `resource` names a resource server whose tokens are
//   JWTs (accessTokenFormat 'jwt'), which the library formats per RFC 9068 (typ at+jwt,
//   iss sub aud client_id scope iat exp jti);
// - introspection and revocation, so the tests can show what the library refuses to do with
//   JWT access tokens (it introspects only tokens it stores).
// Discovery is OIDC only (/.well-known/openid-configuration), as the library publishes it.
// Keys are generated at start and live in memory: a restart is a new AS.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

import Provider, { errors } from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));

function signingKey() {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { ...privateKey.export({ format: 'jwk' }), alg: 'ES256', use: 'sig', kid: 'node-oidc-1' };
}

const resources = config.resources;

const provider = new Provider(config.issuer, {
  clients: config.clients.map((client) => ({
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    ...client,
  })),
  jwks: { keys: [signingKey()] },
  clientDefaults: { id_token_signed_response_alg: 'ES256' },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  ttl: { ClientCredentials: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? 300 },
  scopes: [...new Set(Object.values(resources).flatMap((r) => r.scope.split(' ')))],
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    revocation: { enabled: true },
    resourceIndicators: {
      enabled: true,
      // A request without `resource` gets an opaque token for the userinfo endpoint, as the
      // library does by default; the tests always name the resource.
      defaultResource: async (_ctx, _client, oneOf) => oneOf,
      useGrantedResource: async () => false,
      getResourceServerInfo: async (_ctx, indicator) => {
        const resource = resources[indicator];
        if (!resource) throw new errors.InvalidTarget();
        return {
          scope: resource.scope,
          audience: indicator,
          accessTokenTTL: resource.ttl ?? 300,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'ES256' } },
        };
      },
    },
  },
  clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
  enabledJWA: { clientAuthSigningAlgValues: ['ES256', 'RS256', 'PS256'] },
});

provider.on('server_error', (_ctx, error) => console.error('server_error', error));

const server = provider.listen(config.port, '127.0.0.1', () => {
  console.log(`node-oidc-provider listening on ${config.issuer}`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
