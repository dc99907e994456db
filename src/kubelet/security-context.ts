// The user and groups a container runs as, from its pod's spec, for the CRI (pkg/kubelet/kuberuntime
// security_context.go, pkg/securitycontext DetermineEffectiveSecurityContext), trimmed to the ids.
import type { Container, Pod, SecurityContext } from '../api/types.ts';
import type { Image, LinuxContainerSecurityContext } from '../cri/proto.ts';

// #region effective-security-context
// DetermineEffectiveSecurityContext: the container's own fields win; those it leaves unset come from the pod's.
export function effectiveSecurityContext(pod: Pod, c: Container): SecurityContext | undefined {
  const podSc = pod.spec.securityContext;
  if (!podSc && !c.securityContext) return undefined;
  const own = c.securityContext ?? {};
  return {
    runAsUser: own.runAsUser ?? podSc?.runAsUser,
    runAsGroup: own.runAsGroup ?? podSc?.runAsGroup,
  };
}

// determineEffectiveSecurityContext: that context in the CRI's terms. With no runAsUser, the image's user goes
// instead (uid or name, from getImageUser). The pod's fsGroup, then its supplementalGroups, are supplementary
// groups of every container: the CRI has no fsGroup, the runtime only sees groups.
export function determineEffectiveSecurityContext(pod: Pod, c: Container, imageUser: ImageUser): LinuxContainerSecurityContext {
  const sc = effectiveSecurityContext(pod, c);
  const synthesized: LinuxContainerSecurityContext = {};
  if (sc?.runAsUser !== undefined) synthesized.run_as_user = { value: sc.runAsUser };
  if (sc?.runAsGroup !== undefined) synthesized.run_as_group = { value: sc.runAsGroup };
  if (!synthesized.run_as_user) {
    if (imageUser.uid !== undefined) synthesized.run_as_user = { value: imageUser.uid };
    synthesized.run_as_username = imageUser.username;
  }
  const podSc = pod.spec.securityContext;
  const groups = [...(podSc?.fsGroup !== undefined ? [podSc.fsGroup] : []), ...(podSc?.supplementalGroups ?? [])];
  if (groups.length) synthesized.supplemental_groups = groups;
  return synthesized;
}
// #endregion effective-security-context

// getImageUser: exactly one of a uid and a user name, from the runtime's ImageStatus; an image that names
// no user runs as root, uid 0.
export interface ImageUser { uid?: number; username: string }
export function imageUser(image: Image | null): ImageUser {
  if (image?.uid) return { uid: Number(image.uid.value), username: '' };
  if (image?.username) return { username: image.username };
  return { uid: 0, username: '' };
}
