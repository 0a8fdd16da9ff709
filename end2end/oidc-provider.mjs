// A real OpenID provider for the Playwright tier: panva's certified `oidc-provider`, with its
// development sign-in pages (any login, any password) and dynamic client registration, so a
// spec registers Digame's redirect address as a client of its own. The login is the subject,
// and, when it is an address, the verified `email` claim too.
//
//   node end2end/oidc-provider.mjs   → prints "issuer=http://127.0.0.1:PORT"
//   POST {issuer}/reg {"redirect_uris": [...], ...}   → client_id, client_secret
import http from 'node:http';
import Provider from 'oidc-provider';

let handle = (_req, res) => { res.statusCode = 503; res.end(); };
const server = http.createServer((req, res) => handle(req, res));
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [],
  features: {
    devInteractions: { enabled: true },
    registration: { enabled: true },
  },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  cookies: { keys: ['digame-e2e-provider-cookie-key'] },
  pkce: { required: () => true },
  async findAccount(_ctx, id) {
    return {
      accountId: id,
      async claims() {
        const email = id.includes('@') ? id : undefined;
        return { sub: id, email, email_verified: email !== undefined, name: `Person ${id.split('@')[0]}` };
      },
    };
  },
});
// Its development pages warn once at start; the specs need nothing else from its log.
provider.on('server_error', (_ctx, err) => console.error('provider error:', err));
handle = provider.callback();
console.log(`issuer=${issuer}`);
