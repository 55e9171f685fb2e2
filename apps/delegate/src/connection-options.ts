import type { ClientOptions } from 'ws';

/** Proxy settings as the usual environment variables name them (either case). */
export interface ProxySettings {
  httpsProxy?: string | undefined;
  httpProxy?: string | undefined;
  noProxy?: string | undefined;
}

export function proxySettingsFrom(env: NodeJS.ProcessEnv): ProxySettings {
  return {
    httpsProxy: env['HTTPS_PROXY'] || env['https_proxy'] || undefined,
    httpProxy: env['HTTP_PROXY'] || env['http_proxy'] || undefined,
    noProxy: env['NO_PROXY'] || env['no_proxy'] || undefined,
  };
}

/** NO_PROXY entries: `*`, exact hosts, `.suffix` or `suffix` domains, optionally with `:port`. */
export function bypassesProxy(url: URL, noProxy: string | undefined): boolean {
  if (!noProxy) return false;
  const host = url.hostname.toLowerCase();
  return noProxy
    .split(',')
    .map((entry) => entry.trim().toLowerCase())
    .filter(Boolean)
    .some((entry) => {
      if (entry === '*') return true;
      const [name, port] = entry.split(':');
      if (port && port !== (url.port || (url.protocol === 'wss:' ? '443' : '80'))) return false;
      const bare = (name as string).replace(/^\./, '');
      return host === bare || host.endsWith(`.${bare}`);
    });
}

/**
 * How the delegate's socket reaches the control plane: through the HTTP(S) proxy the environment names
 * (CONNECT tunnel), unless NO_PROXY exempts the host, trusting an extra CA bundle when one is given. The proxy
 * agent is loaded only when a proxy is used (it costs an idle delegate about 9 MiB).
 */
export async function socketConnectionOptions(socketUrl: string, proxy: ProxySettings, ca: string | undefined): Promise<Pick<ClientOptions, 'agent' | 'ca'>> {
  const url = new URL(socketUrl);
  const proxyUrl = url.protocol === 'wss:' ? (proxy.httpsProxy ?? proxy.httpProxy) : proxy.httpProxy;
  const options: Pick<ClientOptions, 'agent' | 'ca'> = ca ? { ca } : {};
  if (proxyUrl && !bypassesProxy(url, proxy.noProxy)) {
    const { HttpsProxyAgent } = await import('https-proxy-agent');
    options.agent = new HttpsProxyAgent(proxyUrl, ca ? { ca } : {});
  }
  return options;
}
