# SPDX-License-Identifier: Apache-2.0
# The one error path (daemon/core/error.h): the gRPC status of representative failures of
# every service, as the errno table and CRI (what CRI-O and containerd answer, what kubelet
# relies on) want them: unknown objects NOT_FOUND, bad arguments INVALID_ARGUMENT, state
# errors FAILED_PRECONDITION; untrusted bytes escaped in the message; one log line per failed
# call, with its errno. Needs root (real runc and conmon, a local registry).
import re

import grpc
import pytest

import oci_images as oi
import test_containers as tc

NOPE = "0" * 64


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    reg = oi.Registry(str(tmp_path_factory.mktemp("err-registry")))
    reg.bb = "%s/test/bb:v1" % reg.addr
    oi.push_image(reg, "test/bb", "v1", [oi.busybox_layer()])
    yield reg
    reg.stop()


@pytest.fixture
def env(crispd, cri, registry, tmp_path):
    e = tc.Env(crispd, cri, str(tmp_path))
    e.pull(registry.bb)
    e.pod()
    yield e
    try:
        e.s.StopPodSandbox(e.pb.StopPodSandboxRequest(pod_sandbox_id=e.pod_id), timeout=60)
        e.s.RemovePodSandbox(e.pb.RemovePodSandboxRequest(pod_sandbox_id=e.pod_id), timeout=60)
    except grpc.RpcError:
        pass
    e.ch.close()


def code_of(fn, *args, **kw):
    with pytest.raises(grpc.RpcError) as e:
        fn(*args, timeout=kw.pop("timeout", 60), **kw)
    return e.value.code(), e.value.details()


def test_unknown_objects_not_found(env, registry):
    pb, s, im = env.pb, env.s, env.im
    # kubelet takes NOT_FOUND from the status RPCs as "gone" (CRI-O and containerd agree).
    assert code_of(s.PodSandboxStatus, pb.PodSandboxStatusRequest(pod_sandbox_id=NOPE))[0] == \
        grpc.StatusCode.NOT_FOUND
    assert code_of(s.ContainerStatus, pb.ContainerStatusRequest(container_id=NOPE))[0] == \
        grpc.StatusCode.NOT_FOUND
    for fn, req in [
            (s.StartContainer, pb.StartContainerRequest(container_id=NOPE)),
            (s.ExecSync, pb.ExecSyncRequest(container_id=NOPE, cmd=["true"], timeout=5)),
            (s.UpdateContainerResources, pb.UpdateContainerResourcesRequest(
                container_id=NOPE, linux=pb.LinuxContainerResources(cpu_shares=512))),
            (s.ReopenContainerLog, pb.ReopenContainerLogRequest(container_id=NOPE))]:
        code, details = code_of(fn, req)
        assert code == grpc.StatusCode.NOT_FOUND and "not found" in details, (fn, details)
    # Stop and remove of what is not there succeed (kubelet retries them).
    s.StopPodSandbox(pb.StopPodSandboxRequest(pod_sandbox_id=NOPE), timeout=10)
    s.RemovePodSandbox(pb.RemovePodSandboxRequest(pod_sandbox_id=NOPE), timeout=10)
    s.StopContainer(pb.StopContainerRequest(container_id=NOPE), timeout=10)
    s.RemoveContainer(pb.RemoveContainerRequest(container_id=NOPE), timeout=10)
    # ImageStatus of an unknown image is an empty answer, not an error (CRI).
    r = im.ImageStatus(pb.ImageStatusRequest(image=pb.ImageSpec(image=registry.bb + "x")),
                       timeout=10)
    assert not r.HasField("image")
    # An image the registry does not have, and one crisp does not have.
    code, details = code_of(im.PullImage, pb.PullImageRequest(
        image=pb.ImageSpec(image="%s/test/nope:v1" % registry.addr)), timeout=120)
    assert code == grpc.StatusCode.NOT_FOUND, details
    code, details = code_of(s.CreateContainer, pb.CreateContainerRequest(
        pod_sandbox_id=env.pod_id, sandbox_config=env.pod_cfg, config=pb.ContainerConfig(
            metadata=pb.ContainerMetadata(name="x"),
            image=pb.ImageSpec(image="%s/test/nope:v1" % registry.addr))))
    assert code == grpc.StatusCode.NOT_FOUND and "pull it first" in details


def test_bad_arguments_invalid_argument(env, registry):
    pb, s, im = env.pb, env.s, env.im
    for fn, req in [
            (im.PullImage, pb.PullImageRequest(image=pb.ImageSpec(image=""))),
            (im.PullImage, pb.PullImageRequest(image=pb.ImageSpec(image="UPPER/Case:x"))),
            (im.ImageStatus, pb.ImageStatusRequest(image=pb.ImageSpec(image="UPPER/Case:x"))),
            (im.RemoveImage, pb.RemoveImageRequest(image=pb.ImageSpec(image=""))),
            (s.CreateContainer, pb.CreateContainerRequest(pod_sandbox_id=env.pod_id)),
            (s.ExecSync, pb.ExecSyncRequest(container_id=NOPE, cmd=[], timeout=5)),
            (s.UpdateContainerResources, pb.UpdateContainerResourcesRequest(
                container_id=NOPE, linux=pb.LinuxContainerResources(cpu_shares=-1))),
            (s.RunPodSandbox, pb.RunPodSandboxRequest(config=pb.PodSandboxConfig())),
            (s.UpdateRuntimeConfig, pb.UpdateRuntimeConfigRequest(
                runtime_config=pb.RuntimeConfig(
                    network_config=pb.NetworkConfig(pod_cidr="10.0.0.0/8;x"))))]:
        code, details = code_of(fn, req)
        assert code == grpc.StatusCode.INVALID_ARGUMENT, (fn, req, details)


def test_state_errors_failed_precondition(env, registry):
    pb, s = env.pb, env.s
    cid = env.create(registry.bb, ["sleep", "60"], name="st")
    # Created, not running: no exec, no log reopen.
    for fn, req in [(s.ExecSync, pb.ExecSyncRequest(container_id=cid, cmd=["true"], timeout=5)),
                    (s.ReopenContainerLog, pb.ReopenContainerLogRequest(container_id=cid))]:
        code, details = code_of(fn, req)
        assert code == grpc.StatusCode.FAILED_PRECONDITION and "not running" in details, details
    env.start(cid)
    # Started already: CRI-O and containerd refuse a second start (containerd with
    # FailedPrecondition); crisp did too, and now through the table's EBUSY row.
    code, details = code_of(s.StartContainer, pb.StartContainerRequest(container_id=cid))
    assert code == grpc.StatusCode.FAILED_PRECONDITION and "created state" in details, details
    # The image is in use.
    img = env.status(cid).status.image_ref
    code, details = code_of(env.im.RemoveImage, pb.RemoveImageRequest(image=pb.ImageSpec(image=img)))
    assert code == grpc.StatusCode.FAILED_PRECONDITION and cid in details
    # The same name again: ALREADY_EXISTS.
    with pytest.raises(grpc.RpcError) as e:
        env.create(registry.bb, ["true"], name="st")
    assert e.value.code() == grpc.StatusCode.ALREADY_EXISTS and cid in e.value.details()
    env.stop(cid, timeout=0)
    env.remove(cid)


def test_message_escaped_and_one_log_line(crispd, cri):
    pb, rpc = cri
    with grpc.insecure_channel(crispd.target()) as ch:
        s, im = rpc.RuntimeServiceStub(ch), rpc.ImageServiceStub(ch)
        code, details = code_of(im.PullImage, pb.PullImageRequest(
            image=pb.ImageSpec(image="evil\n\x1b[31mred")), timeout=10)
        assert code == grpc.StatusCode.INVALID_ARGUMENT
        assert "evil\\x0a\\x1b[31mred" in details and "\n" not in details and "\x1b" not in details
        code, _ = code_of(s.PodSandboxStatus, pb.PodSandboxStatusRequest(
            pod_sandbox_id="feedface"), timeout=10)
        assert code == grpc.StatusCode.NOT_FOUND
    log = crispd.log()
    lines = [l for l in log.splitlines() if "PodSandboxStatus" in l and "feedface" in l]
    assert len(lines) == 1, log
    assert re.search(r"PodSandboxStatus NOT_FOUND \d+ms: pod sandbox feedface not found \(ENOENT\)$",
                     lines[0]), lines[0]
    pulls = [l for l in log.splitlines() if "/PullImage " in l]
    assert len(pulls) == 1 and "(EINVAL)" in pulls[0] and "\x1b" not in pulls[0], pulls


def test_blocked_registry_permission_denied(crispd_factory, cri):
    pb, rpc = cri
    d = crispd_factory(config_text="[registries]\nblocked = blocked.example\n").start()
    with grpc.insecure_channel(d.target()) as ch:
        im = rpc.ImageServiceStub(ch)
        code, details = code_of(im.PullImage, pb.PullImageRequest(
            image=pb.ImageSpec(image="blocked.example/a/b:v1")), timeout=10)
    # Was INVALID_ARGUMENT; the table's EPERM row says PERMISSION_DENIED.
    assert code == grpc.StatusCode.PERMISSION_DENIED and "blocked" in details, details
