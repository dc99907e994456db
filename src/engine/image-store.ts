// The seam for images (the engine's image service): what `docker images` lists and `docker pull` fetches,
// from a local catalog built at first use (there is no registry here), each with a root filesystem on disk.

// An image as the daemon uses it: the fields of `docker image inspect` it serves, plus where its files are.
export interface EngineImage {
  id: string;                     // "sha256:<64 hex>", the digest of its config
  repoTags: string[];             // ["nginx:latest"]
  repoDigests: string[];          // ["nginx@sha256:…"]
  created: number;                // unix seconds
  size: number;                   // bytes on disk
  config: {                       // the OCI image config's process defaults, in the Docker API's names
    Entrypoint: string[] | null;
    Cmd: string[] | null;
    Env: string[];
    WorkingDir: string;
    User: string;
    StopSignal?: string;
  };
  rootfs: string;                 // a folder holding the image's files; never written to (containers get their own layer)
}

// Thrown by pull for an image the catalog does not have; `message` is the engine's own text.
export class ImageNotFoundError extends Error {}

export interface ImageStore {
  list(): EngineImage[];          // pulled images only
  // A pulled image by reference ("nginx", "nginx:latest", "docker.io/library/nginx:latest"), full or short id.
  get(ref: string): EngineImage | undefined;
  pull(ref: string): Promise<EngineImage>;
  remove?(ref: string): void;
}
