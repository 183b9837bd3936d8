// An MCP agent on the TypeScript SDK, knowing only the MCP URL and its own credentials.
//
// node sdk-agent.mjs --sdk 1|2 --url URL --issuer ISSUER --client-id ID
//                    (--secret-env NAME | --key-file PEM) [--order-id ID]
//
// --sdk 1 is @modelcontextprotocol/sdk (1.x), --sdk 2 is @modelcontextprotocol/client (2.x);
// each with its own ClientCredentialsProvider or PrivateKeyJwtProvider (RFC 7523, ES256),
// `expectedIssuer` pinning the AS the credentials belong to. The SDK finds that AS itself:
// the 401's resource_metadata (RFC 9728), then the AS metadata (RFC 8414). It lists the
// tools, reads one SKU, reserves one unit (a 403 insufficient_scope makes it step up), and
// reads again, so a refused write shows whether the session still works. Every HTTP
// exchange is printed as "→ METHOD URL" / "← STATUS", never a header value, secret or
// token; the last line is "result: <JSON>". The exit code is 0 only if everything worked.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values: opt } = parseArgs({
  options: {
    sdk: { type: 'string' },
    url: { type: 'string' },
    issuer: { type: 'string' },
    'client-id': { type: 'string' },
    'secret-env': { type: 'string' },
    'key-file': { type: 'string' },
    'order-id': { type: 'string', default: `ts-${Date.now()}` },
  },
});

const sdk =
  opt.sdk === '1'
    ? {
        ...(await import('@modelcontextprotocol/sdk/client/index.js')),
        ...(await import('@modelcontextprotocol/sdk/client/streamableHttp.js')),
        ...(await import('@modelcontextprotocol/sdk/client/auth-extensions.js')),
      }
    : await import('@modelcontextprotocol/client');

async function loggingFetch(input, init) {
  const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
  console.log(`  → ${method} ${input instanceof Request ? input.url : String(input)}`);
  const response = await fetch(input, init);
  const challenge = response.headers.get('www-authenticate');
  console.log(`  ← ${response.status}${challenge ? `  WWW-Authenticate: ${challenge}` : ''}`);
  return response;
}

const common = { clientId: opt['client-id'], expectedIssuer: opt.issuer };
const authProvider = opt['key-file']
  ? new sdk.PrivateKeyJwtProvider({
      ...common,
      privateKey: readFileSync(opt['key-file'], 'utf8'),
      algorithm: 'ES256',
    })
  : new sdk.ClientCredentialsProvider({ ...common, clientSecret: process.env[opt['secret-env']] });

const client = new sdk.Client({ name: `ts-sdk-${opt.sdk}-agent`, version: '1.0.0' });
const transport = new sdk.StreamableHTTPClientTransport(new URL(opt.url), {
  authProvider,
  fetch: loggingFetch,
});

const result = {};
let ok = true;
const text = (res) => JSON.parse(res.content[0].text);
try {
  console.log('connect');
  await client.connect(transport);
  result.server = client.getServerVersion();
  console.log('tools/list');
  result.tools = (await client.listTools()).tools.map((t) => t.name).sort();
  console.log('tools/call get_stock');
  result.get_stock = text(await client.callTool({ name: 'get_stock', arguments: { sku: 'WIDGET-1' } }));
  console.log('tools/call reserve_stock');
  try {
    const args = { sku: 'WIDGET-1', quantity: 1, order_id: opt['order-id'] };
    result.reserve_stock = text(await client.callTool({ name: 'reserve_stock', arguments: args }));
  } catch (error) {
    ok = false;
    result.reserve_error = `${error.constructor.name}: ${error.message}`;
  }
  console.log('tools/call get_stock (again)');
  result.get_stock_again = text(
    await client.callTool({ name: 'get_stock', arguments: { sku: 'WIDGET-1' } }),
  );
} catch (error) {
  ok = false;
  result.error = `${error.constructor.name}: ${error.message}`;
} finally {
  await client.close().catch(() => {});
}
console.log(`result: ${JSON.stringify(result)}`);
process.exit(ok ? 0 : 1);
