// Which redirect to a streaming server an API server may follow, in the historical redirect mode
// (apimachinery upgradeaware.go RequireSameHostRedirects, on by default since 1.14; the CVE-2020-8559
// fix, #92941, later made any redirect to another host an error instead of an answer passed to the client).

// #region same-host-redirects
// Only to the host the API server asked (the port may differ: the runtime's streaming server has its own),
// so a compromised node cannot point the API server at any other address it can reach.
export const sameHost = (from: URL, to: URL): boolean =>
  from.hostname === to.hostname && (to.protocol === 'http:' || to.protocol === 'https:');
// #endregion same-host-redirects
