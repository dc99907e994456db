// Which redirects the API server's proxy follows in the historical redirect mode: apimachinery
// pkg/util/net/http.go ConnectWithRedirects, called by upgradeaware.go tryUpgrade when InterceptRedirects
// (the StreamingProxyRedirects gate) was on, with RequireSameHostRedirects (the ValidateProxyRedirects gate).
// This is its form after the CVE-2020-8559 fix (#92941): a redirect to another host is an error.
import type { RedirectPolicy } from '../proxy/upgrade-aware.ts';

// "Fail on the 10th redirect": nine are followed.
export const MAX_REDIRECTS = 9;

// Go's URL.Hostname(): an IPv6 address without its brackets.
const hostname = (u: URL) => u.hostname.replace(/^\[(.*)\]$/, '$1');

// #region connect-with-redirects
export function connectWithRedirects({ requireSameHostRedirects }: { requireSameHostRedirects: boolean }): RedirectPolicy {
  return ({ statusCode, location }, current, original, followed) => {
    // Only 302 Found. A 301, 303 or 307 is an answer like any other (and, not being a 101, refused).
    if (statusCode !== 302) return undefined;
    if (!location) return { error: '302 response missing Location header' };
    let next: URL;
    try {
      next = new URL(location, current); // relative to where we are now, not where we started
    } catch {
      return { error: `malformed Location header: parse ${JSON.stringify(location)}: invalid URL` };
    }
    // Against the host first asked (the node's), so that a chain of redirects cannot walk away from it.
    // The port may differ: the runtime's streaming server has its own.
    if (requireSameHostRedirects && hostname(next) !== hostname(original)) {
      return { error: `hostname mismatch: expected ${hostname(original)}, found ${hostname(next)}` };
    }
    if (followed + 1 > MAX_REDIRECTS) return { error: `too many redirects (${followed + 1})` };
    return { follow: next }; // sent again as a GET without a body, "according to the HTTP spec"
  };
}
// #endregion connect-with-redirects
