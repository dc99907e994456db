// Building an image's root filesystem into a folder: busybox and its applets, /etc, the host's bash with the
// libraries it links, and the image's own files (what `docker build` and a layer download do for a real image).
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { chmod, copyFile, link, lstat, mkdir, readdir, readFile, readlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { ImageRecipe } from './catalog.ts';

const run = promisify(execFile);

// Debian's busybox-static; busybox (non-static) would need its libraries too.
export const busyboxCandidates = ['/bin/busybox', '/usr/bin/busybox'];
export const bashPath = '/bin/bash';

export function hostBusybox(): string | undefined { return busyboxCandidates.find((p) => existsSync(p)); }

// The host files an image is made of: a change in any of them (a package upgrade) makes a new image.
export function hostInputs(recipe: ImageRecipe): string[] {
  const busybox = hostBusybox();
  if (!busybox) throw new Error('busybox not found (install Debian\'s busybox-static): the engine builds its images from it');
  return recipe.bash ? [busybox, bashPath] : [busybox];
}

export function inputStamp(files: string[]): string {
  return files.map((f) => { const s = statSync(f); return `${f}:${s.size}:${s.mtimeMs}`; }).join(',');
}

const passwd = `root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
bin:x:2:2:bin:/bin:/bin/false
sys:x:3:3:sys:/dev:/bin/false
www-data:x:33:33:www-data:/var/www:/bin/false
nobody:x:65534:65534:nobody:/home:/bin/false
`;
// The groups, and which of them list root as a member, as the image's own /etc/group does: busybox's and alpine's
// put root in wheel (alpine's in more groups, which this file does not have), Debian's (nginx, httpd, redis,
// ubuntu, debian) in none. `id` as root shows them: groups=0(root),10(wheel) on busybox, groups=0(root) on nginx.
const groups: [name: string, gid: number][] = [['root', 0], ['daemon', 1], ['bin', 2], ['sys', 3], ['tty', 5], ['wheel', 10], ['www-data', 33], ['nogroup', 65534]];
const groupFile = (recipe: ImageRecipe) =>
  groups.map(([name, gid]) => `${name}:x:${gid}:${recipe.rootGroups?.includes(name) ? 'root' : ''}\n`).join('');

// #region build-rootfs
export async function buildRootfs(recipe: ImageRecipe, rootfs: string): Promise<void> {
  const at = (p: string) => join(rootfs, p);
  for (const d of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'usr/local/bin', 'usr/local/sbin', 'etc', 'root', 'home',
    'var/www', 'var/log', 'proc', 'sys', 'dev', ...(recipe.dirs ?? [])]) {
    await mkdir(at(d), { recursive: true });
  }
  await mkdir(at('tmp'), { mode: 0o1777 });
  await chmod(at('tmp'), 0o1777);               // mkdir's mode is masked by the umask
  await chmod(at('root'), 0o700);

  // busybox, and every applet as a hard link to it at the path it names (`busybox --install`, without symlinks
  // that would point at the host's /bin/busybox when read from outside the container).
  const busybox = hostInputs(recipe)[0]!;
  await copyFile(busybox, at('bin/busybox'));
  await chmod(at('bin/busybox'), 0o755);
  const { stdout } = await run(busybox, ['--list-full']);
  for (const applet of stdout.split('\n').filter(Boolean)) {
    if (existsSync(at(applet))) continue;
    await mkdir(dirname(at(applet)), { recursive: true });
    await link(at('bin/busybox'), at(applet));
  }

  // bash as Debian ships it: the binary, then each library the dynamic loader would map (ldd), at the same path.
  if (recipe.bash) {
    await copyFile(bashPath, at('bin/bash'));
    await chmod(at('bin/bash'), 0o755);
    for (const lib of await sharedLibraries(bashPath)) {
      await mkdir(dirname(at(lib)), { recursive: true });
      await copyFile(lib, at(lib));             // follows symlinks: the file's content under the name asked for
      await chmod(at(lib), 0o755);
    }
  }

  await writeFile(at('etc/passwd'), passwd);
  await writeFile(at('etc/group'), groupFile(recipe));
  await writeFile(at('etc/hostname'), '');      // the engine writes the container's own in its layer
  await writeFile(at('etc/hosts'), '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n');
  await writeFile(at('etc/os-release'), `NAME="Busybox"\nID=busybox\nPRETTY_NAME="${recipe.name} (the workbook's busybox image)"\n`);
  for (const [path, file] of Object.entries(recipe.files ?? {})) {
    await mkdir(dirname(at(path)), { recursive: true });
    await writeFile(at(path), file.content);
    await chmod(at(path), file.mode ?? 0o644);
  }
}
// #endregion build-rootfs

// The libraries `ldd` lists for a binary: "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x…)" and the loader's own
// "/lib64/ld-linux-x86-64.so.2 (0x…)"; the vDSO has no file.
export async function sharedLibraries(binary: string): Promise<string[]> {
  const { stdout } = await run('ldd', [binary]);
  return parseLdd(stdout);
}

export function parseLdd(out: string): string[] {
  const libs: string[] = [];
  for (const line of out.split('\n')) {
    const m = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m) libs.push(m[1]!);
  }
  return libs;
}

// The layer's content digest (its diff ID's role): every path with its type, mode, and content or link target,
// in a fixed order, so the same files always give the same image ID. Also the bytes on disk (hard links once).
export async function digestTree(root: string): Promise<{ digest: string; size: number }> {
  const hash = createHash('sha256');
  const contents = new Map<number, string>();   // by inode: the applets are one file
  let size = 0;
  const walk = async (rel: string): Promise<void> => {
    const names = (await readdir(join(root, rel))).sort();
    for (const name of names) {
      const p = join(rel, name);
      const st = await lstat(join(root, p));
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isDirectory()) { hash.update(`d ${p} ${mode}\n`); await walk(p); }
      else if (st.isSymbolicLink()) hash.update(`l ${p} ${await readlink(join(root, p))}\n`);
      else {
        let content = contents.get(st.ino);
        if (content === undefined) {
          content = createHash('sha256').update(await readFile(join(root, p))).digest('hex');
          contents.set(st.ino, content);
          size += st.size;
        }
        hash.update(`f ${p} ${mode} ${content}\n`);
      }
    }
  };
  await walk('');
  return { digest: `sha256:${hash.digest('hex')}`, size };
}
