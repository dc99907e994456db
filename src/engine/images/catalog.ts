// The engine's local image catalog: what each image holds and the process defaults of its config (the role of a
// registry's manifests and image configs; chapter 1's `shim/image-catalog.ts` names the same images with the same defaults).
// Every image is Debian's busybox-static with its applets; some add the host's bash, and stand-ins for their daemons.

export interface ImageRecipe {
  name: string;                   // the repository's path under docker.io/library ("nginx")
  otherRepositories?: string[];   // more names for the same image ("registry.k8s.io/pause", kubelet's sandbox image)
  config: {
    Entrypoint: string[] | null;
    Cmd: string[] | null;
    Env: string[];                // on top of PATH
    WorkingDir: string;
    User: string;
    StopSignal?: string;
  };
  bash?: boolean;                 // /bin/bash: the host's, with the libraries ldd names
  rootGroups?: string[];          // the groups whose member list in /etc/group names root (busybox: wheel)
  files?: Record<string, { content: string; mode?: number }>;   // paths inside the image
  dirs?: string[];
}

export const imagePath = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

// A daemon stand-in as the container's pid 1. The kernel delivers no signal to a pid namespace's init unless it has a
// handler, so a bare `sleep` or busybox `httpd` as pid 1 would ignore SIGTERM and every stop would wait for SIGKILL
// (a real nginx or redis handles it). This shell traps the stop signals, runs the daemon as its child, and exits
// at once on one of them; its own exit ends every process in the container.
function daemonScript(what: string, run: string): string {
  return `#!/bin/sh
# ${what}
# Stand-in of the workbook's image catalog: pid 1 traps the stop signals and runs the daemon as a child.
trap 'exit 0' TERM INT QUIT WINCH
${run} &
wait $!
`;
}

const page = (what: string) => `<!DOCTYPE html>\n<html><head><title>Welcome to ${what}!</title></head>\n`
  + `<body><h1>Welcome to ${what}!</h1><p>Served by busybox httpd, the workbook's stand-in for ${what}.</p></body></html>\n`;

const shell = (cmd: string, more: Partial<ImageRecipe> = {}) => ({
  config: { Entrypoint: null, Cmd: [cmd], Env: [], WorkingDir: '', User: '' }, ...more,
});

export const recipes: ImageRecipe[] = [
  {
    // A real web server on port 80 of the pod's network namespace: busybox httpd in the foreground.
    name: 'nginx', bash: true,
    config: { Entrypoint: null, Cmd: ['nginx', '-g', 'daemon off;'], Env: ['NGINX_VERSION=1.27.0'], WorkingDir: '', User: '', StopSignal: 'SIGQUIT' },
    files: {
      '/usr/sbin/nginx': { content: daemonScript('nginx: busybox httpd serving /usr/share/nginx/html on port 80 (arguments ignored)', 'httpd -f -p 80 -h /usr/share/nginx/html'), mode: 0o755 },
      '/usr/share/nginx/html/index.html': { content: page('nginx') },
    },
  },
  {
    name: 'httpd',
    config: { Entrypoint: null, Cmd: ['httpd-foreground'], Env: ['HTTPD_PREFIX=/usr/local/apache2'], WorkingDir: '/usr/local/apache2', User: '' },
    files: {
      '/usr/local/bin/httpd-foreground': { content: daemonScript('httpd-foreground: busybox httpd serving /usr/local/apache2/htdocs on port 80', 'httpd -f -p 80 -h /usr/local/apache2/htdocs'), mode: 0o755 },
      '/usr/local/apache2/htdocs/index.html': { content: '<html><body><h1>It works!</h1></body></html>\n' },
    },
  },
  {
    name: 'redis',
    config: { Entrypoint: null, Cmd: ['redis-server'], Env: ['REDIS_VERSION=7.2.5'], WorkingDir: '/data', User: '' },
    files: {
      '/usr/local/bin/redis-server': { content: daemonScript('redis-server: waits (no redis protocol here)', 'while :; do sleep 3600; done'), mode: 0o755 },
    },
    dirs: ['/data'],
  },
  {
    // k8s's pause holds the pod's namespaces and exits on SIGTERM/SIGINT; ours is a script, as nobody (65535).
    name: 'pause', otherRepositories: ['registry.k8s.io/pause'],
    config: { Entrypoint: ['/pause'], Cmd: null, Env: [], WorkingDir: '', User: '65535:65535' },
    files: {
      '/pause': { content: daemonScript('pause: holds the pod\'s namespaces until SIGTERM or SIGINT', 'while :; do sleep 3600; done'), mode: 0o755 },
    },
  },
  shell('sh', { name: 'busybox', rootGroups: ['wheel'] }) as ImageRecipe,
  shell('/bin/sh', { name: 'alpine', rootGroups: ['wheel'] }) as ImageRecipe,
  shell('bash', { name: 'ubuntu', bash: true }) as ImageRecipe,
  shell('bash', { name: 'debian', bash: true }) as ImageRecipe,
];

export function recipeFor(repository: string): ImageRecipe | undefined {
  return recipes.find((r) => `docker.io/library/${r.name}` === repository || r.otherRepositories?.includes(repository));
}
