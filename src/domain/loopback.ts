/** True for addresses that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

/** True when an HTTP `Host` header (`name[:port]`, `[v6]:port`) names this machine: no DNS rebinding. */
export function isLoopbackHostHeader(header: string | string[] | undefined): boolean {
  return isLoopbackHost(String(header ?? '').replace(/:\d+$/, ''));
}
