// The WS URL of a venue stream: same host as the REST base (http -> ws, https -> wss), `?token=<jwt>`.
// The result carries a secret: log it only through the logger (which scrubs `token=`), never raw.

/** `wsUrl('https://api.polysimulator.com', '/v1/ws/prices', jwt)` -> `wss://api.polysimulator.com/v1/ws/prices?token=…`. */
export function wsUrl(baseUrl: string, path: string, token: string): string {
  const url = new URL(baseUrl);
  switch (url.protocol) {
    case 'http:':
      url.protocol = 'ws:';
      break;
    case 'https:':
      url.protocol = 'wss:';
      break;
    case 'ws:':
    case 'wss:':
      break;
    default:
      throw new TypeError(`unsupported venue URL scheme: ${url.protocol}`);
  }
  const base = url.pathname.replace(/\/+$/, '');
  const rel = path.startsWith('/') ? path : `/${path}`;
  url.pathname = `${base}${rel}`;
  url.search = '';
  url.hash = '';
  url.searchParams.set('token', token);
  return url.toString();
}
