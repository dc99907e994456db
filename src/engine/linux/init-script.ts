// The command lines that make a container and enter one (runc's `create`/`init` and `exec`, as util-linux and
// busybox do them): new namespaces, the overlay root, /proc, /dev, the hostname, pivot_root, then the container's
// process; or nsenter into every namespace of a running container's init.
import { existsSync } from 'node:fs';
import { hostBusybox } from '../images/rootfs.ts';

export const tools = {
  busybox: hostBusybox(),     // static: its shell runs on after pivot_root, when no host file is reachable
  setpriv: ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p)),
  nsenter: ['/usr/bin/nsenter', '/bin/nsenter'].find((p) => existsSync(p)),
  setsid: ['/usr/bin/setsid', '/bin/setsid'].find((p) => existsSync(p)),
};

// #region namespace-setup
// Two constant scripts run by busybox's shell, their data as positional parameters. fd 3 tells the engine
// "S <host pid>" or "E <why>"; setup errors go to fd 2, the engine's; fd 4 becomes the container's stderr at the end.
//
// The first runs in the new mount, uts, ipc (and net) namespaces, still in the host's pid namespace: it joins the
// cgroups and makes the root filesystem, so that the many small processes this takes are not numbered in the
// container. Then busybox unshare forks the container's pid 1 into a new pid namespace, which runs the second.
export const rootfsScript = `
_wb_fail() { echo "E $*" >&3; exit 127; }
_wb_next=$1 _wb_setpriv=$2 _wb_busybox=$3 _wb_lower=$4 _wb_upper=$5 _wb_work=$6 _wb_root=$7 _wb_host=$8 _wb_net=$9
shift 9
_wb_gid=$1 _wb_groups=$2
shift 2
# Into the container's cgroups before anything else runs, so every process it makes is counted.
while [ "$1" != -- ]; do echo 0 > "$1" || _wb_fail "cannot join cgroup $1"; shift; done
shift
if [ "$_wb_net" = 1 ]; then ip link set lo up || _wb_fail "cannot bring up the loopback interface"; fi
# The container's writable root: its own layer over the image, mounted in this mount namespace only.
mount -t overlay overlay -o "lowerdir=$_wb_lower,upperdir=$_wb_upper,workdir=$_wb_work" "$_wb_root" ||
  _wb_fail "cannot mount the root filesystem"
for _wb_d in proc sys dev; do
  if [ -L "$_wb_root/$_wb_d" ]; then _wb_fail "/$_wb_d is a symbolic link"; fi
  [ -d "$_wb_root/$_wb_d" ] || mkdir "$_wb_root/$_wb_d" || _wb_fail "cannot make /$_wb_d"
done
mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$_wb_root/sys" || _wb_fail "cannot mount /sys"
mount -t tmpfs -o nosuid,mode=755,size=65536k tmpfs "$_wb_root/dev" && cd "$_wb_root/dev" || _wb_fail "cannot mount /dev"
mknod -m 666 null c 1 3 && mknod -m 666 zero c 1 5 && mknod -m 666 full c 1 7 && mknod -m 666 random c 1 8 &&
  mknod -m 666 urandom c 1 9 && mknod -m 666 tty c 5 0 || _wb_fail "cannot make the devices in /dev"
mkdir pts shm && mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,gid=5 devpts pts &&
  mount -t tmpfs -o nosuid,nodev,noexec,mode=1777,size=65536k shm shm || _wb_fail "cannot mount /dev/pts"
ln -s pts/ptmx ptmx && ln -s /proc/self/fd fd && ln -s /proc/self/fd/0 stdin && ln -s /proc/self/fd/1 stdout &&
  ln -s /proc/self/fd/2 stderr || _wb_fail "cannot link /dev"
if [ -n "$_wb_host" ]; then hostname "$_wb_host" || _wb_fail "cannot set the hostname"; fi
cd /
# The init takes the user's gid and supplementary groups here, while the host's setpriv is reachable: in the container
# only busybox is, whose nsenter -S switches the uid keeping them (its -G would drop them).
exec unshare -p -f -- "$_wb_setpriv" --pdeathsig KILL --regid "$_wb_gid" --groups "$_wb_groups" -- "$_wb_busybox" sh -c "$_wb_next" container-init "$_wb_root" "$@"
`;

// The container's pid 1 until it execs the command: /proc of its own pid namespace, pivot_root, the working
// directory, the user.
export const initScript = `
_wb_fail() { echo "E $*" >&3; exit 127; }
# Our pid as the host numbers it: the host's /proc is still mounted here, and /proc/self resolves in its namespace.
cd -P /proc/self && _wb_hostpid=\${PWD##*/} && cd / || _wb_fail "cannot read /proc/self"
_wb_root=$1 _wb_wd=$2 _wb_uid=$3 _wb_tty=$4
shift 4
mount -t proc -o nosuid,nodev,noexec proc "$_wb_root/proc" || _wb_fail "cannot mount /proc"
# pivot_root(".", "."): the old root ends up stacked on the new one, and a lazy unmount lets go of the host's files.
cd "$_wb_root" && pivot_root . . && umount -l . && cd / || _wb_fail "cannot pivot_root into $_wb_root"
# A working directory made here belongs to root, group and all, as dockerd makes it.
nsenter -G 0 -- mkdir -p "$_wb_wd" && cd "$_wb_wd" || _wb_fail "cannot chdir to $_wb_wd"
# What the shell added to the environment it was given goes.
while [ "$1" != -- ]; do unset "$1"; shift; done
shift
_wb_argv0=$1 _wb_path=$2
shift 2
echo "S $_wb_hostpid" >&3
exec 3>&- 2>&4 4>&-
# Variables of this script are not exported (unless the container's environment had such names: hence _wb_).
if [ "$_wb_tty" = 1 ]; then
  # A terminal: the engine makes it in our devpts and says which on stdin; it becomes stdin, stdout, stderr and,
  # in a session of its own, the controlling terminal (setsid -c), as runc's init does with its console.
  read -r _wb_pts && exec 0<>"/dev/pts/$_wb_pts" 1>&0 2>&0 || exit 127
  if [ "$_wb_uid" != 0 ]; then exec setsid -c nsenter -S "$_wb_uid" -- "$_wb_path" "$@"; fi
  exec setsid -c "$_wb_path" "$@"
fi
if [ "$_wb_uid" != 0 ]; then exec nsenter -S "$_wb_uid" -- "$_wb_path" "$@"; fi
exec -a "$_wb_argv0" "$_wb_path" "$@"
`;
// #endregion namespace-setup

// Who a container's process runs as: its uid, gid and the supplementary groups (setgroups), gid first.
export interface ContainerUser { uid: number; gid: number; groups: number[] }

export interface InitArgs {
  lower: string; upper: string; work: string; root: string;
  hostname: string;           // '' when the uts namespace is another container's
  loopback: boolean;          // a new net namespace whose lo comes up
  workingDir: string;
  user: ContainerUser;
  cgroupProcs: string[];
  unset: string[];            // shell variables to drop from the environment (those it did not have)
  argv0: string; path: string; args: string[];
  join?: { pid: number; net: boolean };  // enter this init's ipc, uts (and net) first
  newNet: boolean;
  tty?: boolean;              // the process gets a terminal of the container's devpts, named on the init's stdin
}

// setpriv --pdeathsig binds each link to the one before: the engine dies, busybox unshare (which the first script
// becomes) gets SIGKILL, and so does the container's init, whose death ends its whole pid namespace.
export function initCommand(a: InitArgs): string[] {
  const { busybox, setpriv } = tools;
  if (!busybox || !setpriv) throw new Error('the namespaces backend needs busybox-static and util-linux setpriv');
  for (const p of [a.lower, a.upper, a.work]) {
    if (/[,:\\]/.test(p)) throw new Error(`overlay paths cannot hold ',', ':' or '\\': ${p}`);
  }
  const enter = a.join ? [busybox, 'nsenter', '-t', String(a.join.pid), '-u', '-i', ...(a.join.net ? ['-n'] : []), '--'] : [];
  const unshare = [busybox, 'unshare', '-m', '--propagation', 'private', ...(a.join ? [] : ['-u', '-i']), ...(a.newNet ? ['-n'] : []), '--'];
  return [setpriv, '--pdeathsig', 'KILL', '--', ...enter, ...unshare,
    busybox, 'sh', '-c', rootfsScript, 'container-rootfs',
    initScript, setpriv, busybox, a.lower, a.upper, a.work, a.root, a.hostname, a.loopback ? '1' : '0',
    String(a.user.gid), a.user.groups.join(','), ...a.cgroupProcs, '--',
    a.workingDir, String(a.user.uid), a.tty ? '1' : '0',
    ...a.unset, '--', a.argv0, a.path, ...a.args];
}

// #region exec-nsenter
// An exec: the user's gid and supplementary groups first (setpriv, still uid 0, so nsenter may enter), into the
// container's cgroups (a constant script with the files as parameters), then util-linux nsenter into every namespace
// of its init (-a: the mount namespace brings its root), the working directory and the uid (-S keeps the groups;
// its -G would drop them). nsenter forks for the pid namespace and waits, reporting the child's exit or signal as its own.
export const joinCgroupsScript = 'while [ "$1" != -- ]; do echo 0 > "$1" || exit 126; shift; done; shift; '
  + 'while [ "$1" != -- ]; do unset "$1"; shift; done; shift; exec "$@"';

// What busybox's shell adds to the environment it runs with: removed again unless the container's had them.
export function shellAdded(env: string[]): string[] {
  return ['SHLVL', 'PWD', 'OLDPWD', 'PATH'].filter((name) => !env.some((e) => e.startsWith(`${name}=`)));
}

export function execCommand(initPid: number, e: { workingDir: string; user: ContainerUser; cgroupProcs: string[]; env: string[]; argv: string[] }): string[] {
  const { busybox, setpriv, nsenter } = tools;
  if (!busybox || !setpriv || !nsenter) throw new Error('the namespaces backend needs busybox-static and util-linux setpriv and nsenter');
  return [setpriv, '--pdeathsig', 'KILL', '--regid', String(e.user.gid), '--groups', e.user.groups.join(','), '--',
    busybox, 'sh', '-c', joinCgroupsScript, 'container-exec', ...e.cgroupProcs, '--', ...shellAdded(e.env), '--',
    nsenter, '-t', String(initPid), '-a', `--wdns=${e.workingDir || '/'}`, '-S', String(e.user.uid), '--', ...e.argv];
}
// #endregion exec-nsenter
