# SPDX-License-Identifier: Apache-2.0
# Containers end to end through a real gRPC client, with real runc, conmon, CNI and a local
# registry: logs in CRI format, exit codes and OOMKilled, stop timeouts, env, users and groups
# from the image, hostile /etc/passwd, read-only rootfs, host mounts, ExecSync (output, exit
# code, timeout, output cap), the security defaults seen from inside (capabilities,
# no_new_privs, seccomp, masked paths), restart recovery, and nothing left after remove.
# Needs root.
import json
import os
import re
import signal
import subprocess
import time

import grpc
import pytest

import oci_images as oi


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    tmp = str(tmp_path_factory.mktemp("ctr-registry"))
    reg = oi.Registry(tmp)
    bb = oi.busybox_layer()
    reg.bb = "%s/test/bb:v1" % reg.addr
    oi.push_image(reg, "test/bb", "v1", [bb])
    reg.user = "%s/test/user:v1" % reg.addr
    oi.push_image(reg, "test/user", "v1", [bb], config={"User": "appuser"})
    evil = oi.tar_layer([("etc/passwd", "symlink", "/etc/shadow")])
    reg.evil = "%s/test/evil:v1" % reg.addr
    oi.push_image(reg, "test/evil", "v1", [bb, evil], config={"User": "root"})
    yield reg
    reg.stop()


class Env:
    def __init__(self, d, cri, tmp):
        self.d, self.tmp = d, tmp
        self.pb, rpc = cri
        self.cri = cri
        self.connect()
        self.logdir = os.path.join(tmp, "podlogs")
        self.created = set()

    def connect(self):
        pb, rpc = self.cri
        # kubelet's limit: 16 MiB responses (an ExecSync near its output cap needs it).
        self.ch = grpc.insecure_channel(self.d.target(), options=[
            ("grpc.max_receive_message_length", 16 << 20)])
        self.s = rpc.RuntimeServiceStub(self.ch)
        self.im = rpc.ImageServiceStub(self.ch)

    def pull(self, ref):
        return self.im.PullImage(self.pb.PullImageRequest(image=self.pb.ImageSpec(image=ref)),
                                 timeout=120).image_ref

    def pod(self, name="p"):
        pb = self.pb
        self.pod_cfg = pb.PodSandboxConfig(
            metadata=pb.PodSandboxMetadata(name=name, namespace="default", uid="u-" + name),
            hostname=name, log_directory=self.logdir,
            linux=pb.LinuxPodSandboxConfig(security_context=pb.LinuxSandboxSecurityContext(
                namespace_options=pb.NamespaceOption(network=pb.NODE, pid=pb.CONTAINER))))
        self.pod_id = self.s.RunPodSandbox(pb.RunPodSandboxRequest(config=self.pod_cfg),
                                           timeout=60).pod_sandbox_id
        return self.pod_id

    def create(self, image, cmd, name="c", **kw):
        pb = self.pb
        sc = kw.pop("security_context", None)
        res = kw.pop("resources", None)
        cfg = pb.ContainerConfig(metadata=pb.ContainerMetadata(name=name),
                                 image=pb.ImageSpec(image=image), command=cmd,
                                 log_path="%s/0.log" % name,
                                 linux=pb.LinuxContainerConfig(security_context=sc,
                                                               resources=res), **kw)
        cid = self.s.CreateContainer(pb.CreateContainerRequest(
            pod_sandbox_id=self.pod_id, config=cfg, sandbox_config=self.pod_cfg),
            timeout=60).container_id
        self.created.add(cid)
        return cid

    def start(self, cid):
        self.s.StartContainer(self.pb.StartContainerRequest(container_id=cid), timeout=60)

    def run(self, image, cmd, name="c", **kw):
        cid = self.create(image, cmd, name, **kw)
        self.start(cid)
        return cid

    def status(self, cid):
        return self.s.ContainerStatus(self.pb.ContainerStatusRequest(container_id=cid,
                                                                     verbose=True), timeout=10)

    def wait_exit(self, cid, timeout=30):
        deadline = time.time() + timeout
        while True:
            st = self.status(cid).status
            if st.state == self.pb.CONTAINER_EXITED:
                return st
            assert time.time() < deadline, st
            time.sleep(0.1)

    def log(self, cid):
        with open(self.status(cid).status.log_path) as f:
            return f.read()

    def out(self, cid):
        """The stdout lines of a container's CRI log, joined."""
        lines = []
        for l in self.log(cid).splitlines():
            m = re.match(r"^\S+ (stdout|stderr) ([PF]) (.*)$", l)
            assert m, "not a CRI log line: %r" % l
            if m.group(1) == "stdout":
                lines.append(m.group(3))
        return "\n".join(lines)

    def exec(self, cid, cmd, timeout=10):
        return self.s.ExecSync(self.pb.ExecSyncRequest(container_id=cid, cmd=cmd,
                                                       timeout=timeout), timeout=timeout + 30)

    def stop(self, cid, timeout=10):
        self.s.StopContainer(self.pb.StopContainerRequest(container_id=cid, timeout=timeout),
                             timeout=timeout + 60)

    def remove(self, cid):
        self.s.RemoveContainer(self.pb.RemoveContainerRequest(container_id=cid), timeout=60)

    def leftovers(self):
        with open("/proc/self/mountinfo") as f:
            mounts = [l.split()[4] for l in f if self.d.tmp in l and "/containers/" in l]
        # Only this test's containers: other crispds on the host have cgroups here too.
        cgroups = [c for c in os.listdir("/sys/fs/cgroup/pids/crisp")
                   if c[6:] in self.created] if os.path.isdir("/sys/fs/cgroup/pids/crisp") else []
        run = os.listdir(os.path.join(self.d.tmp, "run", "containers"))
        store = os.listdir(os.path.join(self.d.tmp, "root", "containers"))
        return {"mounts": mounts, "cgroups": sorted(cgroups), "run": run, "store": store}


@pytest.fixture
def env(crispd, cri, registry, tmp_path):
    e = Env(crispd, cri, str(tmp_path))
    e.pull(registry.bb)
    e.pod()
    yield e
    try:
        e.s.StopPodSandbox(e.pb.StopPodSandboxRequest(pod_sandbox_id=e.pod_id), timeout=60)
        e.s.RemovePodSandbox(e.pb.RemovePodSandboxRequest(pod_sandbox_id=e.pod_id), timeout=60)
    except grpc.RpcError:
        pass
    e.ch.close()


def test_run_logs_and_exit_codes(env, registry):
    pb = env.pb
    before = env.leftovers()
    cid = env.run(registry.bb, ["sh", "-c", "echo hello; echo oops >&2; exit 3"], labels={"a": "1"})
    st = env.wait_exit(cid)
    assert st.exit_code == 3 and st.reason == "Error"
    assert st.started_at > 0 and st.finished_at >= st.started_at
    assert st.image_ref.startswith("sha256:") and st.metadata.name == "c"
    log = env.log(cid)
    assert re.search(r"^\S+ stdout F hello$", log, re.M), log
    assert re.search(r"^\S+ stderr F oops$", log, re.M), log
    ok = env.run(registry.bb, ["true"], name="ok")
    st = env.wait_exit(ok)
    assert st.exit_code == 0 and st.reason == "Completed"
    f = pb.ContainerFilter(label_selector={"a": "1"})
    assert [c.id for c in env.s.ListContainers(pb.ListContainersRequest(filter=f)).containers] == [cid]
    f = pb.ContainerFilter(state=pb.ContainerStateValue(state=pb.CONTAINER_EXITED))
    assert len(env.s.ListContainers(pb.ListContainersRequest(filter=f)).containers) == 2
    f = pb.ContainerFilter(id=ok[:10], pod_sandbox_id=env.pod_id)
    assert [c.id for c in env.s.ListContainers(pb.ListContainersRequest(filter=f)).containers] == [ok]
    # The same name again while the first exists: refused, naming it.
    with pytest.raises(grpc.RpcError) as e:
        env.create(registry.bb, ["true"], name="ok")
    assert e.value.code() == grpc.StatusCode.ALREADY_EXISTS and ok in e.value.details()
    env.remove(cid)
    env.remove(ok)
    env.remove(ok)  # idempotent
    assert env.leftovers() == before


def test_stop_timeout_kills_a_process_ignoring_sigterm(env, registry):
    cid = env.run(registry.bb, ["sh", "-c", "trap '' TERM; while true; do sleep 1; done"])
    time.sleep(0.5)
    t0 = time.time()
    env.stop(cid, timeout=2)
    took = time.time() - t0
    st = env.status(cid).status
    assert st.state == env.pb.CONTAINER_EXITED and st.exit_code == 137
    assert 1.8 <= took < 10, took
    env.stop(cid)  # stopping an exited container is fine


def test_oom_killed(env, registry):
    pb = env.pb
    res = pb.LinuxContainerResources(memory_limit_in_bytes=32 << 20)
    cid = env.run(registry.bb, ["sh", "-c", "a=$(head -c 200000000 /dev/zero | tr '\\0' x); echo $a"],
                  resources=res)
    st = env.wait_exit(cid, timeout=60)
    assert st.reason == "OOMKilled", (st.reason, st.exit_code)
    assert st.exit_code == 137


def test_env_user_groups(env, registry):
    pb = env.pb
    env.pull(registry.user)
    cid = env.run(registry.user, ["sh", "-c", 'id; echo "$MULTI"; echo "$HOME"'], name="u",
                  envs=[pb.KeyValue(key="MULTI", value=b"line1\nline2")])
    env.wait_exit(cid)
    out = env.out(cid)
    assert "uid=1000(appuser) gid=1000(app) groups=" in out and "2000(extra)" in out, out
    assert "line1\nline2" in out and "/home/app" in out
    sc = pb.LinuxContainerSecurityContext(run_as_user=pb.Int64Value(value=4321),
                                          supplemental_groups=[777])
    cid = env.run(registry.user, ["id"], name="uid", security_context=sc)
    env.wait_exit(cid)
    assert re.search(r"uid=4321 gid=0\(root\) groups=.*777", env.out(cid)), env.out(cid)
    sc = pb.LinuxContainerSecurityContext(run_as_username="appuser")
    cid = env.run(registry.bb, ["id", "-u"], name="byname", security_context=sc)
    env.wait_exit(cid)
    assert env.out(cid).strip() == "1000"
    sc = pb.LinuxContainerSecurityContext(run_as_username="nosuchuser")
    with pytest.raises(grpc.RpcError) as e:
        env.create(registry.bb, ["id"], name="nouser", security_context=sc)
    assert "nosuchuser" in e.value.details()


def test_hostile_passwd_symlink_stays_in_rootfs(env, registry):
    """The image's /etc/passwd is a symlink to /etc/shadow: it resolves inside the rootfs
    (where there is no shadow), never to the host's file."""
    env.pull(registry.evil)
    before = env.leftovers()
    with pytest.raises(grpc.RpcError) as e:
        env.create(registry.evil, ["id"], name="evil")
    assert "passwd" in e.value.details() or "root" in e.value.details(), e.value.details()
    assert "root:x" not in e.value.details() and "root:*" not in e.value.details()
    assert env.leftovers() == before


def test_readonly_rootfs_and_host_mount(env, registry, tmp_path):
    pb = env.pb
    host = tmp_path / "shared"
    host.mkdir()
    (host / "in.txt").write_text("from host\n")
    sc = pb.LinuxContainerSecurityContext(readonly_rootfs=True)
    cid = env.run(registry.bb, ["sh", "-c", "cat /data/in.txt; echo hi > /data/out.txt; "
                                "touch /rootfile 2>/dev/null && echo WROTE || echo RO"],
                  security_context=sc,
                  mounts=[pb.Mount(container_path="/data", host_path=str(host))])
    env.wait_exit(cid)
    out = env.out(cid)
    assert "from host" in out and "RO" in out and "WROTE" not in out, out
    assert (host / "out.txt").read_text() == "hi\n"
    with pytest.raises(grpc.RpcError) as e:
        env.create(registry.bb, ["true"], name="badmount",
                   mounts=[pb.Mount(container_path="/proc/sys", host_path=str(host))])
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_exec_sync(env, registry):
    cid = env.run(registry.bb, ["sleep", "300"])
    r = env.exec(cid, ["sh", "-c", "echo out; echo err >&2; exit 7"])
    assert (r.stdout, r.stderr, r.exit_code) == (b"out\n", b"err\n", 7)
    r = env.exec(cid, ["sh", "-c", "printf 'a\\0b'"])
    assert r.stdout == b"a\0b"
    t0 = time.time()
    with pytest.raises(grpc.RpcError) as e:
        env.exec(cid, ["sleep", "100"], timeout=1)
    assert e.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    assert time.time() - t0 < 10
    # The timed-out process was killed inside the container too (a zombie at most: the
    # container's PID 1, sleep, does not reap).
    ps = env.exec(cid, ["sh", "-c", "cat /proc/[0-9]*/stat | grep -c '(sleep) [^Z]'"])
    assert ps.stdout.strip() == b"1", ps
    # ...and so is everything it started (issue 10): the shell's background jobs too.
    t0 = time.time()
    with pytest.raises(grpc.RpcError) as e:
        env.exec(cid, ["sh", "-c", "sleep 101 & sleep 102 & sleep 103; wait"], timeout=1)
    assert e.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    assert time.time() - t0 < 10
    ps = env.exec(cid, ["sh", "-c", "cat /proc/[0-9]*/stat | grep -c '(sleep) [^Z]'"])
    assert ps.stdout.strip() == b"1", ps
    # 20 MB of output: capped, reported, memory bounded.
    r = env.exec(cid, ["head", "-c", "20000000", "/dev/zero"], timeout=30)
    assert len(r.stdout) < 16 << 20 and len(r.stdout) > 15 << 20
    assert b"truncated" in r.stderr
    env.stop(cid, timeout=1)
    with pytest.raises(grpc.RpcError) as e:
        env.exec(cid, ["true"])
    assert e.value.code() == grpc.StatusCode.FAILED_PRECONDITION


def proc_status(env, cid):
    r = env.exec(cid, ["cat", "/proc/self/status"])
    return r.stdout.decode()


def test_security_defaults_inside(env, registry):
    pb = env.pb
    cid = env.run(registry.bb, ["sleep", "300"])
    st = proc_status(env, cid)
    assert re.search(r"^CapEff:\s+00000000000005fb$", st, re.M), st
    assert re.search(r"^CapInh:\s+0+$", st, re.M)
    # no_new_privs as requested: this request (like kubelet's default) does not ask for it.
    assert re.search(r"^NoNewPrivs:\s+0$", st, re.M)
    assert re.search(r"^Seccomp:\s+2$", st, re.M)
    # Masked and read-only paths.
    r = env.exec(cid, ["sh", "-c", "wc -c < /proc/interrupts; echo 1 > /proc/sys/vm/drop_caches"])
    assert r.stdout.strip() == b"0" and r.exit_code != 0
    # No user namespaces or mounts for an unprivileged container (seccomp + caps).
    r = env.exec(cid, ["unshare", "-U", "true"])
    assert r.exit_code != 0
    # A non-root user gets no effective capabilities at all.
    sc = pb.LinuxContainerSecurityContext(run_as_user=pb.Int64Value(value=1000))
    nr = env.run(registry.bb, ["sleep", "300"], name="nonroot", security_context=sc)
    assert re.search(r"^CapEff:\s+0+$", proc_status(env, nr), re.M)
    # Unconfined seccomp only when asked for.
    sc = pb.LinuxContainerSecurityContext(seccomp=pb.SecurityProfile(
        profile_type=pb.SecurityProfile.Unconfined))
    un = env.run(registry.bb, ["sleep", "300"], name="unconfined", security_context=sc)
    assert re.search(r"^Seccomp:\s+0$", proc_status(env, un), re.M)
    for c in (cid, nr, un):
        env.stop(c, timeout=0)


def test_privileged_container_needs_privileged_pod(env, registry):
    sc = env.pb.LinuxContainerSecurityContext(privileged=True)
    with pytest.raises(grpc.RpcError) as e:
        env.create(registry.bb, ["true"], name="priv", security_context=sc)
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "not privileged" in e.value.details()


def test_image_in_use_and_remove_order(env, registry):
    pb = env.pb
    cid = env.create(registry.bb, ["true"], name="holder")
    img = env.status(cid).status.image_ref
    with pytest.raises(grpc.RpcError) as e:
        env.im.RemoveImage(pb.RemoveImageRequest(image=pb.ImageSpec(image=img)), timeout=30)
    assert e.value.code() == grpc.StatusCode.FAILED_PRECONDITION and cid in e.value.details()
    env.remove(cid)
    env.im.RemoveImage(pb.RemoveImageRequest(image=pb.ImageSpec(image=img)), timeout=30)


def test_unknown_image_and_pod(env, registry):
    with pytest.raises(grpc.RpcError) as e:
        env.create("%s/test/nope:v1" % registry.addr, ["true"])
    assert e.value.code() == grpc.StatusCode.NOT_FOUND and "pull it first" in e.value.details()
    pod = env.pod_id
    env.pod_id = "0" * 64
    with pytest.raises(grpc.RpcError) as e:
        env.create(registry.bb, ["true"])
    assert e.value.code() == grpc.StatusCode.NOT_FOUND
    env.pod_id = pod


def test_crun_handler_error_reaches_client(crispd, cri, registry, tmp_path):
    """crun 1.8.1 refuses this machine's hybrid cgroups: its own error must come back."""
    e = Env(crispd, cri, str(tmp_path))
    pb = e.pb
    e.pull(registry.bb)
    cfg = pb.PodSandboxConfig(
        metadata=pb.PodSandboxMetadata(name="crunpod", namespace="default", uid="crun"),
        log_directory=e.logdir, linux=pb.LinuxPodSandboxConfig(
            security_context=pb.LinuxSandboxSecurityContext(
                namespace_options=pb.NamespaceOption(network=pb.NODE, pid=pb.CONTAINER))))
    e.pod_cfg = cfg
    e.pod_id = e.s.RunPodSandbox(pb.RunPodSandboxRequest(config=cfg, runtime_handler="crun"),
                                 timeout=60).pod_sandbox_id
    try:
        cid = e.run(registry.bb, ["echo", "crun works"])
        st = e.wait_exit(cid)  # on hosts where crun works, it simply runs
        assert "crun works" in e.out(cid)
    except grpc.RpcError as err:
        assert "crun" in err.details(), err.details()
        assert len(err.details()) > len("crun create failed: ")
    finally:
        e.s.RemovePodSandbox(pb.RemovePodSandboxRequest(pod_sandbox_id=e.pod_id), timeout=60)
        e.ch.close()


def test_restart_keeps_running_containers(env, registry):
    pb = env.pb
    cid = env.run(registry.bb, ["sh", "-c", "echo started; sleep 4; echo later; exit 5"])
    time.sleep(0.5)
    env.ch.close()
    assert env.d.stop(signal.SIGTERM) == 0
    env.d.start()
    env.connect()
    assert "1 containers restored" in env.d.log()
    st = env.status(cid).status
    assert st.state == pb.CONTAINER_RUNNING
    st = env.wait_exit(cid, timeout=20)  # the exit after the restart is seen
    assert st.exit_code == 5
    assert "later" in env.out(cid)
    before_rm = env.leftovers()
    env.remove(cid)
    after = env.leftovers()
    assert after["mounts"] == [] and cid not in after["run"] and cid not in after["store"]
    assert len(after["cgroups"]) <= len(before_rm["cgroups"])


def test_pod_remove_takes_its_containers(env, registry):
    before = env.leftovers()
    a = env.run(registry.bb, ["sleep", "300"], name="a")
    env.create(registry.bb, ["true"], name="b")
    env.s.StopPodSandbox(env.pb.StopPodSandboxRequest(pod_sandbox_id=env.pod_id), timeout=60)
    assert env.status(a).status.state == env.pb.CONTAINER_EXITED
    env.s.RemovePodSandbox(env.pb.RemovePodSandboxRequest(pod_sandbox_id=env.pod_id), timeout=60)
    assert len(env.s.ListContainers(env.pb.ListContainersRequest()).containers) == 0
    assert env.leftovers() == before


def test_update_resources_live_and_reopen_log(env, registry):
    pb = env.pb
    cid = env.run(registry.bb, ["sh", "-c", "while true; do echo tick; sleep 0.2; done"])
    cg = json.loads(env.status(cid).info["info"])["cgroupsPath"]
    mem = "/sys/fs/cgroup/memory%s/memory.limit_in_bytes" % cg
    shares = "/sys/fs/cgroup/cpu%s/cpu.shares" % cg
    env.s.UpdateContainerResources(pb.UpdateContainerResourcesRequest(
        container_id=cid, linux=pb.LinuxContainerResources(memory_limit_in_bytes=200 << 20,
                                                           cpu_shares=512)), timeout=30)
    with open(mem) as f:
        assert int(f.read()) == 200 << 20
    with open(shares) as f:
        assert int(f.read()) == 512
    with pytest.raises(grpc.RpcError) as e:
        env.s.UpdateContainerResources(pb.UpdateContainerResourcesRequest(
            container_id=cid, linux=pb.LinuxContainerResources(cpuset_cpus="0;reboot")),
            timeout=30)
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    # Log rotation: move the file away, ask conmon to reopen, new lines land in a new file.
    path = env.status(cid).status.log_path
    time.sleep(0.5)
    os.rename(path, path + ".1")
    env.s.ReopenContainerLog(pb.ReopenContainerLogRequest(container_id=cid), timeout=10)
    # Reopen answers only once the new file exists (kubelet reads it right away).
    assert os.path.exists(path)
    deadline = time.time() + 10
    while "tick" not in open(path).read():
        assert time.time() < deadline
        time.sleep(0.1)
    env.stop(cid, timeout=0)


def test_cri_container_names(env, registry):
    """CRI allows any container name (issue 10): kept byte for byte; control bytes refused."""
    names = ["Container-for-create-test_1.2", "a;b=c -n x", "\u00e9" * 300]
    ids = {env.create(registry.bb, ["true"], name=n): n for n in names[:2]}
    # a log_path is built from the name in this test's helper: give the long one its own
    pb = env.pb
    cfg = pb.ContainerConfig(metadata=pb.ContainerMetadata(name=names[2]),
                             image=pb.ImageSpec(image=registry.bb), command=["true"],
                             log_path="long/0.log")
    cid = env.s.CreateContainer(pb.CreateContainerRequest(
        pod_sandbox_id=env.pod_id, config=cfg, sandbox_config=env.pod_cfg),
        timeout=60).container_id
    env.created.add(cid)
    ids[cid] = names[2]
    listed = {c.id: c.metadata.name
              for c in env.s.ListContainers(pb.ListContainersRequest(), timeout=10).containers}
    assert {k: listed[k] for k in ids} == ids
    for cid, name in ids.items():
        assert env.status(cid).status.metadata.name == name
    for bad, rule in [("c\nd", "control bytes"), ("", "must not be empty"),
                      ("c" * 1025, "at most 1024 bytes")]:
        cfg = pb.ContainerConfig(metadata=pb.ContainerMetadata(name=bad),
                                 image=pb.ImageSpec(image=registry.bb), command=["true"],
                                 log_path="bad/0.log")
        with pytest.raises(grpc.RpcError) as e:
            env.s.CreateContainer(pb.CreateContainerRequest(
                pod_sandbox_id=env.pod_id, config=cfg, sandbox_config=env.pod_cfg), timeout=60)
        assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "container name" in e.value.details() and rule in e.value.details()
    for cid in ids:
        env.remove(cid)
    assert env.leftovers()["mounts"] == []
