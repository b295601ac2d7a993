// A real OpenID Connect provider (oidc-provider, OpenID Certified) for the tests, on 127.0.0.1 only.
//
//   node provider.js            listens on a free port and prints one JSON line to stdout: {"issuer": ..., "port": ...}
//
// It issues client-credentials access tokens as JWTs (RFC 9068) for the resource named by the `resource` parameter,
// signed RS256 or ES256 as the client asks (cms_alg), with the client's tenant_id and any other claims it was registered
// with. It exits when its standard
// input closes, so a test process that dies cannot leave it running.
//
// The tests drive it through /admin (bearer CMS_OIDC_ADMIN_TOKEN): register clients, add a signing key (it becomes the
// key that signs for its algorithm) and remove one (it leaves the JWKS). Provider instances are immutable in their keys
// and clients, so each change builds a new one with the same issuer and swaps it in: discovery and JWKS answer with the
// new state from the next request on, as a provider does after a rotation.
import * as crypto from 'node:crypto';
import * as http from 'node:http';
import Provider from 'oidc-provider';

const adminToken = process.env.CMS_OIDC_ADMIN_TOKEN || '';
if (adminToken.length < 16) {
  console.error('CMS_OIDC_ADMIN_TOKEN (at least 16 characters) is required');
  process.exit(2);
}

const algorithms = { RS256: 'rsa', ES256: 'ec' };
const state = { keys: [], clients: new Map() };
const served = { discovery: 0, jwks: 0 }; // how often relying parties fetched metadata (GET /admin/stats)
let handle; // the current provider's request handler
let issuer;

function newKey(alg) {
  const type = algorithms[alg];
  if (!type) throw new Error(`unsupported alg ${alg}`);
  const { privateKey } = type === 'rsa'
    ? crypto.generateKeyPairSync('rsa', { modulusLength: 2048 })
    : crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = privateKey.export({ format: 'jwk' });
  return { ...jwk, kid: `${alg.toLowerCase()}-${crypto.randomBytes(6).toString('hex')}`, alg, use: 'sig' };
}

// The key that signs for an algorithm: the newest of that algorithm still published.
function signingKid(alg) {
  for (let i = state.keys.length - 1; i >= 0; i -= 1) {
    if (state.keys[i].alg === alg) return state.keys[i].kid;
  }
  return undefined;
}

function build() {
  const next = new Provider(issuer, {
    clients: [...state.clients.values()],
    jwks: { keys: state.keys },
    clientDefaults: {
      grant_types: ['client_credentials'],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_basic',
    },
    scopes: ['openid', 'cms.platform'],
    ttl: { ClientCredentials: 600 },
    extraClientMetadata: { properties: ['tenant_id', 'cms_alg', 'cms_issued_seconds_ago', 'cms_claims'] },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: (_ctx, _client, oneOf) => oneOf,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource, client) => {
          const alg = client.cms_alg || 'RS256';
          return {
            scope: 'cms.platform',
            audience: resource,
            accessTokenTTL: 600,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg, kid: signingKid(alg) } },
          };
        },
      },
    },
    // The client's tenant as tenant_id, and any further claims it was registered with (as another provider would add
    // them: Entra's roles, Auth0's namespaced claims).
    extraTokenClaims: (ctx) => {
      const client = ctx.oidc.client;
      const tenant = client?.tenant_id ? { tenant_id: client.tenant_id } : {};
      return { ...(client?.cms_claims || {}), ...tenant };
    },
    formats: {
      customizers: {
        // A client registered with cms_issued_seconds_ago gets tokens as if issued that long ago (an expired token when
        // it is longer than their lifetime): the provider signs them, only its clock for them is set back.
        jwt: (ctx, _token, jwt) => {
          const back = Number(ctx.oidc.client?.cms_issued_seconds_ago || 0);
          if (back > 0) {
            jwt.payload.iat -= back;
            jwt.payload.exp -= back;
          }
        },
      },
    },
  });
  next.on('server_error', (_ctx, err) => console.error('oidc-provider server_error:', err));
  handle = next.callback();
}

async function readJson(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
}

function reply(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

// Applies a change to the state and rebuilds the provider; the state is restored when the provider refuses it.
function change(apply, undo) {
  apply();
  try {
    build();
  } catch (err) {
    undo();
    build();
    throw err;
  }
}

async function admin(req, res) {
  if (req.headers.authorization !== `Bearer ${adminToken}`) return reply(res, 401, { error: 'admin token required' });
  const path = new URL(req.url, issuer).pathname;
  try {
    if (req.method === 'POST' && path === '/admin/clients') {
      const body = await readJson(req);
      const client = {
        client_id: body.client_id,
        client_secret: body.client_secret,
        scope: body.scope || undefined,
        tenant_id: body.tenant_id || undefined,
        cms_alg: body.alg || 'RS256',
        cms_issued_seconds_ago: body.issued_seconds_ago || undefined,
        cms_claims: body.claims || undefined,
      };
      const previous = state.clients.get(client.client_id);
      change(() => state.clients.set(client.client_id, client),
        () => (previous ? state.clients.set(client.client_id, previous) : state.clients.delete(client.client_id)));
      return reply(res, 201, { client_id: client.client_id });
    }
    if (req.method === 'POST' && path === '/admin/keys') {
      const key = newKey((await readJson(req)).alg || 'RS256');
      change(() => state.keys.push(key), () => state.keys.pop());
      return reply(res, 201, { kid: key.kid, alg: key.alg });
    }
    if (req.method === 'DELETE' && path.startsWith('/admin/keys/')) {
      const kid = decodeURIComponent(path.slice('/admin/keys/'.length));
      const index = state.keys.findIndex((k) => k.kid === kid);
      if (index < 0) return reply(res, 404, { error: `no key ${kid}` });
      const removed = state.keys[index];
      change(() => state.keys.splice(index, 1), () => state.keys.splice(index, 0, removed));
      return reply(res, 200, { kid });
    }
    if (req.method === 'GET' && path === '/admin/stats') {
      return reply(res, 200, served);
    }
    if (req.method === 'GET' && path === '/admin/keys') {
      return reply(res, 200, state.keys.map(({ kid, alg }) => ({ kid, alg, signing: signingKid(alg) === kid })));
    }
    return reply(res, 404, { error: 'unknown admin route' });
  } catch (err) {
    return reply(res, 400, { error: String(err.message || err) });
  }
}

const server = http.createServer((req, res) => {
  if (req.url.startsWith('/admin/')) {
    admin(req, res);
    return;
  }
  if (req.url.startsWith('/jwks')) served.jwks += 1;
  if (req.url.startsWith('/.well-known/openid-configuration')) served.discovery += 1;
  handle(req, res);
});

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  issuer = `http://127.0.0.1:${port}`;
  state.keys.push(newKey('RS256'), newKey('ES256'));
  build();
  process.stdout.write(`${JSON.stringify({ issuer, port })}\n`);
});

// The parent (the test process) holds our standard input: when it closes, whatever the reason, stop.
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
process.on('SIGTERM', () => process.exit(0));
