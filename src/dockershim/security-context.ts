// A CRI LinuxContainerSecurityContext as Docker options (cri-dockerd core/security_context.go), trimmed to the
// user and groups: the engine resolves them against the container's own /etc/passwd and /etc/group.
import type { LinuxContainerSecurityContext } from '../cri/proto.ts';
import type { ContainerConfig, HostConfig } from './libdocker.ts';

// #region modify-config
// modifyContainerConfig: Config.User is the uid (or the image's user name), then ":gid" when a group is given.
export function modifyContainerConfig(sc: LinuxContainerSecurityContext | null | undefined, config: ContainerConfig): void {
  if (!sc) return;
  if (sc.run_as_user) config.User = String(sc.run_as_user.value);
  if (sc.run_as_username) config.User = sc.run_as_username;
  if (sc.run_as_group) {
    if (!config.User) throw new Error('runAsGroup is specified without a runAsUser');
    config.User = `${config.User}:${sc.run_as_group.value}`;
  }
}

// modifyHostConfig: every supplemental group (the pod's fsGroup among them) is one of HostConfig.GroupAdd, by number.
export function modifyHostConfig(sc: LinuxContainerSecurityContext | null | undefined, hostConfig: HostConfig): void {
  if (!sc) return;
  for (const group of sc.supplemental_groups ?? []) (hostConfig.GroupAdd ??= []).push(String(group));
}
// #endregion modify-config
