// Image references as the engine reads them: "nginx" is docker.io/library/nginx:latest (distribution/reference's
// ParseNormalizedNamed, FamiliarName, TagNameOnly). Pure: strings in, a parsed reference or an error out.

// The engine's answer to a name it cannot parse (400 from the API): moby's text, with its detail after a colon.
export class InvalidReferenceError extends Error {}

export interface Reference {
  domain: string;     // "docker.io", "registry.k8s.io", "localhost:5000"
  path: string;       // "library/nginx", "pause"
  tag?: string;       // "latest"
  digest?: string;    // "sha256:<64 hex>"
}

const component = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const pathRe = new RegExp(`^${component}(?:/${component})*$`);
const domainRe = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?$/;
const tagRe = /^[\w][\w.-]{0,127}$/;
const digestRe = /^sha256:[a-f0-9]{64}$/;
const idRe = /^[a-f0-9]{64}$/;

export const defaultDomain = 'docker.io';
const officialRepoPrefix = 'library/';

// "nginx", "nginx:1.27", "docker.io/library/nginx@sha256:…", "registry.k8s.io/pause:3.10" → its parts, with docker.io
// and library/ filled in. No tag is added here (withDefaultTag does that): `docker pull nginx@sha256:…` has none.
export function parseNormalizedNamed(ref: string): Reference {
  if (idRe.test(ref)) throw new InvalidReferenceError(`invalid repository name (${ref}), cannot specify 64-byte hexadecimal strings`);
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) { digest = rest.slice(at + 1); rest = rest.slice(0, at); }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) { tag = rest.slice(colon + 1); rest = rest.slice(0, colon); }
  // The first component is a registry when it looks like a host: a dot, a port, or "localhost" (splitDockerDomain).
  let domain = defaultDomain;
  let path = rest;
  const slash = rest.indexOf('/');
  if (slash >= 0) {
    const first = rest.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase()) {
      domain = first; path = rest.slice(slash + 1);
    }
  }
  if (domain === 'index.docker.io') domain = defaultDomain;
  if (domain === defaultDomain && !path.includes('/')) path = officialRepoPrefix + path;
  if (path !== path.toLowerCase() && pathRe.test(path.toLowerCase())) {
    throw new InvalidReferenceError(`invalid reference format: repository name (${path}) must be lowercase`);
  }
  if (!pathRe.test(path) || !domainRe.test(domain) || (tag !== undefined && !tagRe.test(tag))
      || (digest !== undefined && !digestRe.test(digest)) || ref.length === 0) {
    throw new InvalidReferenceError('invalid reference format');
  }
  return { domain, path, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

// reference.TagNameOnly: a name with neither tag nor digest means ":latest".
export function withDefaultTag(r: Reference): Reference {
  return r.tag === undefined && r.digest === undefined ? { ...r, tag: 'latest' } : r;
}

// "docker.io/library/nginx": the repository, what RepoTags and RepoDigests are made of.
export function repositoryName(r: Reference): string { return `${r.domain}/${r.path}`; }

// reference.FamiliarName: "nginx", "user/app", "registry.k8s.io/pause": what the CLI and error messages show.
export function familiarName(r: Reference): string {
  if (r.domain !== defaultDomain) return repositoryName(r);
  return r.path.startsWith(officialRepoPrefix) && !r.path.slice(officialRepoPrefix.length).includes('/')
    ? r.path.slice(officialRepoPrefix.length) : r.path;
}

// reference.FamiliarString: "nginx:latest", "nginx@sha256:…".
export function familiarString(r: Reference): string {
  return familiarName(r) + (r.tag !== undefined ? `:${r.tag}` : '') + (r.digest !== undefined ? `@${r.digest}` : '');
}
