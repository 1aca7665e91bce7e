# SPDX-License-Identifier: Apache-2.0
# Concurrency and crash consistency (issue 13): many clients running the whole pod -> container
# -> exec -> stop -> remove lifecycle against one crispd at once, List calls while pods are
# being created, a CNI plugin and an OCI runtime that hang; each with a test deadline that a
# wedge would exceed, 0 errors, and nothing left behind afterwards (mounts, namespace pins,
# veths, IP allocations, cgroups, conmons, runc state, records, temp files). Needs root.
import json
import os
import re
import shutil
import signal
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import grpc
import pytest

import oci_images as oi

CLIENTS = 8
ROUNDS = 3
LISTS = 200
KILLS = 6
HANG_SLEEP = 4321  # seconds a hung plugin or runtime sleeps; found in ps by this number


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    reg = oi.Registry(str(tmp_path_factory.mktemp("conc-registry")))
    reg.bb = "%s/test/bb:v1" % reg.addr
    oi.push_image(reg, "test/bb", "v1", [oi.busybox_layer()])
    yield reg
    reg.stop()


def cni_conf(bridge, subnet, data_dir, extra=()):
    return {"cniVersion": "1.0.0", "name": "crisp-conc-" + bridge, "plugins": [
        {"type": "bridge", "bridge": bridge, "isGateway": True, "ipMasq": True,
         "ipam": {"type": "host-local", "dataDir": data_dir,
                  "routes": [{"dst": "0.0.0.0/0"}], "ranges": [[{"subnet": subnet}]]}},
        *extra, {"type": "loopback"}]}


class Env:
    def __init__(self, tmp, factory, cri, registry):
        self.tmp, self.pb, self.reg = tmp, cri[0], registry
        n = os.getpid() % 200 + 20
        self.bridge = "crc%d" % n
        self.subnet = "10.214.%d.0/24" % n
        self.net_d = os.path.join(tmp, "net.d")
        self.bin_dir = os.path.join(tmp, "cnibin")
        self.data_dir = os.path.join(tmp, "ipam")
        os.makedirs(self.net_d)
        os.makedirs(self.bin_dir)
        self.write_conf()
        # The default runtime root is <runroot>/<handler> (issue 13): no [runtime.runc] here.
        self.rt_root = os.path.join(tmp, "crispd", "run", "runc")
        self.hang_rt = os.path.join(tmp, "hangrt")
        self.hangcreate_rt = os.path.join(tmp, "hangcreate")
        self.created = set()
        self.d = factory("crispd", config_text=self.config_text())
        self.d.start()
        self.ch = grpc.insecure_channel(self.d.target())
        self.s = cri[1].RuntimeServiceStub(self.ch)
        self.im = cri[1].ImageServiceStub(self.ch)
        self.im.PullImage(self.pb.PullImageRequest(image=self.pb.ImageSpec(image=registry.bb)),
                          timeout=120)

    def config_text(self):
        # "hang": an OCI runtime wrapper whose `start` never returns; "hangcreate": one whose
        # `create` (run by conmon) never returns. Their sleeps have a length of their own to
        # be found by.
        for path, cmd in ((self.hang_rt, "start"), (self.hangcreate_rt, "create")):
            with open(path, "w") as f:
                f.write('#!/bin/sh\nfor a in "$@"; do [ "$a" = %s ] && exec sleep %d; done\n'
                        'exec /usr/sbin/runc "$@"\n' % (cmd, HANG_SLEEP))
            os.chmod(path, 0o755)
        # "slowcreate": `create` works, then the wrapper lingers, so crispd sits between
        # `runtime create` and writing the container's record.
        self.slow_rt = os.path.join(self.tmp, "slowcreate")
        with open(self.slow_rt, "w") as f:
            f.write('#!/bin/sh\n/usr/sbin/runc "$@"; rc=$?\n'
                    'for a in "$@"; do [ "$a" = create ] && sleep 3; done\nexit $rc\n')
        os.chmod(self.slow_rt, 0o755)
        return ("[cni]\nconf_dir = %s\nbin_dirs = /usr/lib/cni,%s\n"
                "[runtime.hang]\npath = %s\nroot = %s\n"
                "[runtime.slowcreate]\npath = %s\nroot = %s\n"
                "[runtime.hangcreate]\npath = %s\nroot = %s\n"
                % (self.net_d, self.bin_dir, self.hang_rt, self.rt_root, self.slow_rt,
                   self.rt_root, self.hangcreate_rt, self.rt_root))

    def write_conf(self, extra=()):
        with open(os.path.join(self.net_d, "10-conc.conflist"), "w") as f:
            json.dump(cni_conf(self.bridge, self.subnet, self.data_dir, extra), f)

    def pod_cfg(self, name):
        pb = self.pb
        return pb.PodSandboxConfig(
            metadata=pb.PodSandboxMetadata(name=name, namespace="conc", uid="u-" + name),
            hostname=name, log_directory=os.path.join(self.tmp, "logs", name),
            linux=pb.LinuxPodSandboxConfig(security_context=pb.LinuxSandboxSecurityContext(
                namespace_options=pb.NamespaceOption(network=pb.POD, pid=pb.CONTAINER))))

    def run_pod(self, name, handler="", timeout=60):
        return self.s.RunPodSandbox(self.pb.RunPodSandboxRequest(
            config=self.pod_cfg(name), runtime_handler=handler), timeout=timeout).pod_sandbox_id

    def create(self, pod_id, name, timeout=60):
        pb = self.pb
        cfg = pb.ContainerConfig(metadata=pb.ContainerMetadata(name="c"),
                                 image=pb.ImageSpec(image=self.reg.bb),
                                 command=["sleep", "1000"], log_path="c.log")
        cid = self.s.CreateContainer(pb.CreateContainerRequest(
            pod_sandbox_id=pod_id, config=cfg, sandbox_config=self.pod_cfg(name)),
            timeout=timeout).container_id
        self.created.add(cid)
        return cid

    def lifecycle(self, name):
        """The full lifecycle of one pod with one container, as kubelet drives it."""
        pb, s = self.pb, self.s
        pod = self.run_pod(name)
        cid = self.create(pod, name)
        s.StartContainer(pb.StartContainerRequest(container_id=cid), timeout=60)
        r = s.ExecSync(pb.ExecSyncRequest(container_id=cid, cmd=["echo", name], timeout=20),
                       timeout=60)
        assert r.exit_code == 0 and r.stdout == (name + "\n").encode()
        s.StopContainer(pb.StopContainerRequest(container_id=cid, timeout=2), timeout=60)
        s.StopPodSandbox(pb.StopPodSandboxRequest(pod_sandbox_id=pod), timeout=60)
        s.RemoveContainer(pb.RemoveContainerRequest(container_id=cid), timeout=60)
        s.RemovePodSandbox(pb.RemovePodSandboxRequest(pod_sandbox_id=pod), timeout=60)

    def snapshot(self):
        tmp = self.d.tmp
        with open("/proc/self/mountinfo") as f:
            mounts = sorted(l.split()[4] for l in f if tmp in l)
        links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout
        veths = sorted(l for l in re.findall(r"^\d+: ([^:@]+)@if\d+: .* master %s " %
                                             self.bridge, links, re.M))
        ips = []
        for root, _, files in os.walk(self.data_dir):
            ips += [f for f in files if re.match(r"^\d", f)]
        run = os.path.join(tmp, "run")
        dirs = {d: sorted(os.listdir(os.path.join(run, d)))
                for d in ("pods", "ns", "containers") if os.path.isdir(os.path.join(run, d))}
        state = {}
        for d in ("pods", "containers", "container-records"):
            p = os.path.join(tmp, "root", d)
            state[d] = sorted(os.listdir(p)) if os.path.isdir(p) else []
        temps = [os.path.join(r, f) for r, _, fs in os.walk(os.path.join(tmp, "root"))
                 for f in fs if ".tmp." in f]
        runc = subprocess.run(["runc", "--root", self.rt_root, "list", "-q"],
                              capture_output=True, text=True).stdout.split()
        procs = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True).stdout
        conmons = [l for l in procs.splitlines() if "conmon" in l and tmp in l]
        # Only this test's containers: other crispds on the host have cgroups here too.
        cgroups = [c for c in os.listdir("/sys/fs/cgroup/pids/crisp")
                   if c[6:] in self.created] if os.path.isdir("/sys/fs/cgroup/pids/crisp") else []
        return {"mounts": mounts, "veths": veths, "ips": sorted(ips), "dirs": dirs,
                "state": state, "temps": temps, "runc": runc, "conmons": conmons,
                "cgroups": sorted(cgroups)}

    def close(self):
        try:
            for p in self.s.ListPodSandbox(self.pb.ListPodSandboxRequest(), timeout=10).items:
                self.s.RemovePodSandbox(self.pb.RemovePodSandboxRequest(pod_sandbox_id=p.id),
                                        timeout=60)
        except grpc.RpcError:
            pass
        self.ch.close()
        subprocess.run(["ip", "link", "del", self.bridge], capture_output=True)


@pytest.fixture
def env(tmp_path, crispd_factory, cri, registry):
    e = Env(str(tmp_path), crispd_factory, cri, registry)
    yield e
    e.close()


def test_lifecycle_churn_and_lists(env):
    """8 clients x 3 rounds of the whole lifecycle plus 200 concurrent Lists, 0 errors."""
    before = env.snapshot()
    errors, list_times = [], []
    creating = threading.Event()

    def client(i):
        for rnd in range(ROUNDS):
            try:
                creating.set()
                env.lifecycle("c%d-r%d" % (i, rnd))
            except Exception as e:  # noqa: BLE001 - every failure is counted
                errors.append("client %d round %d: %r" % (i, rnd, e))

    def lister(k):
        creating.wait(10)
        t0 = time.monotonic()
        try:
            if k % 2:
                env.s.ListPodSandbox(env.pb.ListPodSandboxRequest(), timeout=10)
            else:
                env.s.ListContainers(env.pb.ListContainersRequest(), timeout=10)
        except Exception as e:  # noqa: BLE001
            errors.append("list %d: %r" % (k, e))
        list_times.append(time.monotonic() - t0)

    t0 = time.monotonic()
    with ThreadPoolExecutor(CLIENTS + 16) as ex:
        futs = [ex.submit(client, i) for i in range(CLIENTS)]
        futs += [ex.submit(lister, k) for k in range(LISTS)]
        # A wedge (issue 13) hangs RunPodSandbox for minutes; the whole load takes seconds.
        for f in futs:
            f.result(timeout=max(1, 240 - (time.monotonic() - t0)))
    wall = time.monotonic() - t0
    list_times.sort()
    print("churn: %d lifecycles in %.1f s; List median %.3f s, max %.3f s"
          % (CLIENTS * ROUNDS, wall, list_times[len(list_times) // 2], list_times[-1]))
    assert errors == []
    assert len(list_times) == LISTS
    assert env.snapshot() == before
    # No crispd child is left behind (the forked namespace children of issue 13).
    kids = subprocess.run(["ps", "--ppid", str(env.d.proc.pid), "-o", "pid,args"],
                          capture_output=True, text=True).stdout.splitlines()[1:]
    assert kids == []


def test_run_pod_burst(env):
    """24 RunPodSandbox at once, then 24 RemovePodSandbox at once: namespace creation forked
    children that inherited each other's pipes and waited forever (issue 13)."""
    before = env.snapshot()
    n = 24
    t0 = time.monotonic()
    with ThreadPoolExecutor(n) as ex:
        pods = [f.result(timeout=max(1, 90 - (time.monotonic() - t0)))
                for f in [ex.submit(env.run_pod, "b%d" % i) for i in range(n)]]
        t1 = time.monotonic()
        rm = [ex.submit(env.s.RemovePodSandbox,
                        env.pb.RemovePodSandboxRequest(pod_sandbox_id=p), timeout=60)
              for p in pods]
        for f in rm:
            f.result(timeout=max(1, 150 - (time.monotonic() - t0)))
    print("burst: %d pods up in %.1f s, removed in %.1f s"
          % (n, t1 - t0, time.monotonic() - t1))
    kids = subprocess.run(["ps", "--ppid", str(env.d.proc.pid), "-o", "pid,args"],
                          capture_output=True, text=True).stdout.splitlines()[1:]
    assert kids == []
    assert env.snapshot() == before


def test_kill_during_create_container_is_reconciled_at_start(env):
    """SIGKILL between `runtime create` and the record: the restarted crispd removes the
    runtime's "created" container, its conmon, its overlay mount and its files (issue 13)."""
    pod = env.run_pod("k", handler="slowcreate")
    before = env.snapshot()
    t = threading.Thread(target=lambda: pytest.raises(grpc.RpcError, env.create, pod, "k"))
    t.start()
    deadline = time.time() + 30
    while not subprocess.run(["runc", "--root", env.rt_root, "list", "-q"],
                             capture_output=True, text=True).stdout.split():
        assert time.time() < deadline, "runc create never ran"
        time.sleep(0.05)
    env.d.proc.kill()
    env.d.proc.wait()
    t.join(10)
    assert env.snapshot()["runc"] != before["runc"]  # a created container nobody knows
    env.ch.close()
    env.d.proc = None
    env.d.start()
    env.ch = grpc.insecure_channel(env.d.target())
    env.s = __import__("cri.api_pb2_grpc", fromlist=["x"]).RuntimeServiceStub(env.ch)
    assert "not in any record" in env.d.log()
    time.sleep(4)  # the wrapper's linger ends; conmon then exits
    after = env.snapshot()
    assert after == before
    assert len(env.s.ListContainers(env.pb.ListContainersRequest(), timeout=10).containers) == 0
    env.s.RemovePodSandbox(env.pb.RemovePodSandboxRequest(pod_sandbox_id=pod), timeout=60)


def hung_sleeps():
    procs = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True).stdout
    return [l for l in procs.splitlines() if l.split()[1:] == ["sleep", str(HANG_SLEEP)]]


def wait_for(cond, timeout, what):
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def expect_deadline(fn, *args, **kw):
    with pytest.raises(grpc.RpcError) as e:
        fn(*args, **kw)
    assert e.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED, e.value


def test_hung_cni_plugin_fails_at_the_deadline(env):
    """A CNI plugin whose ADD never returns costs its own RunPodSandbox only: it fails at the
    call's deadline (not after the 120 s plugin limit), the plugin and its child are killed,
    the CNI DEL that undoes it releases the veth and the IP, and meanwhile Lists and another
    pod's run proceed (issue 13)."""
    before = env.snapshot()
    started = os.path.join(env.tmp, "sleepy-started")
    with open(os.path.join(env.bin_dir, "sleepy"), "w") as f:
        # A child sleep (no exec): killing only the script would leave it behind.
        f.write('#!/bin/sh\ncat >/dev/null\nif [ "$CNI_COMMAND" = ADD ]; then\n'
                '  touch %s; sleep %d; fi\nexit 0\n' % (started, HANG_SLEEP))
    os.chmod(os.path.join(env.bin_dir, "sleepy"), 0o755)
    env.write_conf(extra=[{"type": "sleepy"}])
    t0 = time.monotonic()
    hung = threading.Thread(target=expect_deadline, args=(env.run_pod, "hung"),
                            kwargs={"timeout": 6})
    hung.start()
    wait_for(lambda: os.path.exists(started), 5, "the plugin never ran")
    env.write_conf()  # the next pod gets a working network
    other = env.run_pod("other", timeout=20)
    for _ in range(20):
        env.s.ListPodSandbox(env.pb.ListPodSandboxRequest(), timeout=2)
    assert hung.is_alive(), "another pod waited for the hung one"
    hung.join(15)
    assert not hung.is_alive()
    env.s.StopPodSandbox(env.pb.StopPodSandboxRequest(pod_sandbox_id=other), timeout=30)
    env.s.RemovePodSandbox(env.pb.RemovePodSandboxRequest(pod_sandbox_id=other), timeout=30)
    # The request was undone a moment after its deadline, not at the plugin's 120 s limit.
    wait_for(lambda: env.snapshot() == before and not hung_sleeps(), 10,
             "not undone: %r" % env.snapshot())
    assert time.monotonic() - t0 < 20
    pods = env.s.ListPodSandbox(env.pb.ListPodSandboxRequest(), timeout=5).items
    assert [p.metadata.name for p in pods] == []


def test_hung_runtime_create_fails_at_the_deadline(env):
    """An OCI runtime whose `create` never returns: CreateContainer fails at the call's
    deadline, conmon and the runtime (its session) are killed, and no mount, runc state,
    bundle or record is left; ListContainers and ContainerStatus answer meanwhile."""
    pod = env.run_pod("hc", handler="hangcreate")
    before = env.snapshot()
    t0 = time.monotonic()
    hung = threading.Thread(target=expect_deadline, args=(env.create, pod, "hc"),
                            kwargs={"timeout": 5})
    hung.start()
    wait_for(hung_sleeps, 5, "the runtime never ran")
    for _ in range(20):
        env.s.ListContainers(env.pb.ListContainersRequest(), timeout=2)
        env.s.PodSandboxStatus(env.pb.PodSandboxStatusRequest(pod_sandbox_id=pod), timeout=2)
    hung.join(15)
    assert not hung.is_alive()
    wait_for(lambda: env.snapshot() == before and not hung_sleeps(), 10,
             "not undone: %r" % env.snapshot())
    assert time.monotonic() - t0 < 20
    assert len(env.s.ListContainers(env.pb.ListContainersRequest(), timeout=5).containers) == 0
    env.s.RemovePodSandbox(env.pb.RemovePodSandboxRequest(pod_sandbox_id=pod), timeout=30)


def test_hung_runtime_start_fails_at_the_deadline(env):
    """An OCI runtime whose `start` never returns: StartContainer fails at the call's
    deadline with the runtime killed; the container stays created, and stop and remove
    clean it up."""
    pod = env.run_pod("hs", handler="hang")
    before = env.snapshot()
    cid = env.create(pod, "hs")
    t0 = time.monotonic()
    expect_deadline(env.s.StartContainer,
                    env.pb.StartContainerRequest(container_id=cid), timeout=4)
    wait_for(lambda: not hung_sleeps(), 6, "the hung `runtime start` was not killed")
    assert time.monotonic() - t0 < 12
    st = env.s.ContainerStatus(env.pb.ContainerStatusRequest(container_id=cid), timeout=5)
    assert st.status.state == env.pb.CONTAINER_CREATED
    env.s.StopContainer(env.pb.StopContainerRequest(container_id=cid, timeout=1), timeout=30)
    env.s.RemoveContainer(env.pb.RemoveContainerRequest(container_id=cid), timeout=30)
    assert env.snapshot() == before
    env.s.RemovePodSandbox(env.pb.RemovePodSandboxRequest(pod_sandbox_id=pod), timeout=30)


def test_sighup_during_a_hung_call_blocks_nothing(env):
    """SIGHUP while a StartContainer waits on a hung runtime: the reload is done at once (it
    used to wait for the hung call's config lock on the loop thread, which blocked every RPC),
    other RPCs answer, the new configuration is in effect, and the hung call still ends at
    its deadline (issue 13)."""
    pod = env.run_pod("hup", handler="hang")
    cid = env.create(pod, "hup")
    hung = threading.Thread(target=expect_deadline, args=(
        env.s.StartContainer, env.pb.StartContainerRequest(container_id=cid)),
        kwargs={"timeout": 8})
    hung.start()
    wait_for(hung_sleeps, 5, "the runtime never ran")
    with open(env.d.config, "a") as f:
        f.write("[runtime.reloaded]\npath = /usr/sbin/runc\n")
    t0 = time.monotonic()
    env.d.proc.send_signal(signal.SIGHUP)
    env.s.Version(env.pb.VersionRequest(), timeout=3)
    env.s.ListContainers(env.pb.ListContainersRequest(), timeout=3)
    wait_for(lambda: "configuration reloaded" in env.d.log(), 3, "reload waited")
    assert time.monotonic() - t0 < 3
    assert hung.is_alive()  # the reload did not wait for it
    other = env.run_pod("hup2", handler="reloaded", timeout=10)
    hung.join(15)
    assert not hung.is_alive()
    for p in (other, pod):
        env.s.StopPodSandbox(env.pb.StopPodSandboxRequest(pod_sandbox_id=p), timeout=30)
        env.s.RemovePodSandbox(env.pb.RemovePodSandboxRequest(pod_sandbox_id=p), timeout=30)


def test_sigkill_churn_loses_nothing_and_leaves_nothing(env):
    """SIGKILL of crispd at random moments of a lifecycle churn (KILLS kills): after each
    restart every container crispd acknowledged and did not remove is listed, a container
    that exited while crispd was down has its exit code, no runtime state, conmon or bundle
    exists without a listed container (no ghosts), and once every pod is removed nothing is
    left (issue 13)."""
    import random
    rnd = random.Random(os.getpid())
    pb = env.pb
    before = env.snapshot()
    acked, lock, stop = {}, threading.Lock(), threading.Event()

    def churn(k):
        i = 0
        while not stop.is_set():
            i += 1
            try:
                pod = env.run_pod("k%d-%d" % (k, i), timeout=20)
                cid = env.create(pod, "k%d-%d" % (k, i), timeout=20)
                with lock:
                    acked[cid] = pod
                env.s.StartContainer(pb.StartContainerRequest(container_id=cid), timeout=20)
                env.s.StopContainer(pb.StopContainerRequest(container_id=cid, timeout=0),
                                    timeout=20)
                env.s.RemoveContainer(pb.RemoveContainerRequest(container_id=cid), timeout=20)
                with lock:
                    acked.pop(cid, None)
                env.s.StopPodSandbox(pb.StopPodSandboxRequest(pod_sandbox_id=pod), timeout=20)
                env.s.RemovePodSandbox(pb.RemovePodSandboxRequest(pod_sandbox_id=pod),
                                       timeout=20)
            except grpc.RpcError:
                time.sleep(0.1)  # crispd is down or restarting

    def restart():
        env.d.proc.kill()
        env.d.proc.wait()
        env.d.proc = None
        env.d.start()
        reconnect()

    def reconnect():
        old, env.ch = env.ch, grpc.insecure_channel(env.d.target())
        env.s = __import__("cri.api_pb2_grpc", fromlist=["x"]).RuntimeServiceStub(env.ch)
        old.close()

    def check_no_ghosts():
        listed = {c.id: c for c in env.s.ListContainers(pb.ListContainersRequest(),
                                                         timeout=10).containers}
        with lock:
            lost = set(acked) - set(listed)
        assert not lost, "containers lost across a SIGKILL: %r" % lost
        snap = env.snapshot()
        assert set(snap["runc"]) <= set(listed), "runtime state without a container"
        assert set(snap["dirs"].get("containers", [])) <= set(listed), "bundle, no container"
        for line in snap["conmons"]:
            assert any(c in line for c in listed), "conmon without a container: " + line

    # A container that exits while crispd is down keeps its exit code.
    pod = env.run_pod("exitcode")
    cfg = pb.ContainerConfig(metadata=pb.ContainerMetadata(name="x"),
                             image=pb.ImageSpec(image=env.reg.bb),
                             command=["sh", "-c", "sleep 1; exit 7"], log_path="x.log")
    xid = env.s.CreateContainer(pb.CreateContainerRequest(
        pod_sandbox_id=pod, config=cfg, sandbox_config=env.pod_cfg("exitcode")),
        timeout=30).container_id
    env.created.add(xid)
    env.s.StartContainer(pb.StartContainerRequest(container_id=xid), timeout=30)
    env.d.proc.kill()
    env.d.proc.wait()
    time.sleep(1.5)
    env.d.proc = None
    env.d.start()
    reconnect()
    st = env.s.ContainerStatus(pb.ContainerStatusRequest(container_id=xid), timeout=10).status
    assert st.state == pb.CONTAINER_EXITED and st.exit_code == 7, st
    env.s.RemovePodSandbox(pb.RemovePodSandboxRequest(pod_sandbox_id=pod), timeout=30)

    workers = [threading.Thread(target=churn, args=(k,)) for k in range(2)]
    for w in workers:
        w.start()
    t0 = time.monotonic()
    try:
        for _ in range(KILLS):
            time.sleep(rnd.uniform(0.3, 2.0))
            restart()
            check_no_ghosts()
    finally:
        stop.set()
        for w in workers:
            w.join(60)
    print("churn with %d SIGKILLs: %.1f s" % (KILLS, time.monotonic() - t0))
    restart()
    check_no_ghosts()
    env.created.update(c.id for c in env.s.ListContainers(pb.ListContainersRequest(),
                                                          timeout=10).containers)
    for p in env.s.ListPodSandbox(pb.ListPodSandboxRequest(), timeout=10).items:
        env.s.StopPodSandbox(pb.StopPodSandboxRequest(pod_sandbox_id=p.id), timeout=30)
        env.s.RemovePodSandbox(pb.RemovePodSandboxRequest(pod_sandbox_id=p.id), timeout=30)
    wait_for(lambda: env.snapshot() == before, 10, "left behind: %r" % env.snapshot())


def test_orphan_without_bundle_or_record_is_removed_at_start(env):
    """(No "conmon" in this test's name: its temp path would match the conmon check.)
    A running container whose record and bundle are gone while crispd was down (a removal
    cut short): the restarted crispd kills its conmon, deletes its runtime state and logs
    both, leaving the pod as it was (issue 13)."""
    pod = env.run_pod("orph")
    before = env.snapshot()
    cid = env.create(pod, "orph")
    env.s.StartContainer(env.pb.StartContainerRequest(container_id=cid), timeout=30)
    env.d.proc.kill()
    env.d.proc.wait()
    bundle = os.path.join(env.d.tmp, "run", "containers", cid)
    subprocess.run(["umount", "-l", os.path.join(bundle, "rootfs")], check=True)
    shutil.rmtree(bundle)
    shutil.rmtree(os.path.join(env.d.tmp, "root", "containers", cid))
    os.remove(os.path.join(env.d.tmp, "root", "container-records", cid + ".pb"))
    assert env.snapshot()["conmons"] and env.snapshot()["runc"] == [cid]
    env.ch.close()
    env.d.proc = None
    env.d.start()
    env.ch = grpc.insecure_channel(env.d.target())
    env.s = __import__("cri.api_pb2_grpc", fromlist=["x"]).RuntimeServiceStub(env.ch)
    assert "container %s: not in any record; killed its conmon" % cid in env.d.log()
    wait_for(lambda: env.snapshot() == before, 10, "left behind: %r" % env.snapshot())
    assert len(env.s.ListContainers(env.pb.ListContainersRequest(), timeout=10).containers) == 0
    env.s.RemovePodSandbox(env.pb.RemovePodSandboxRequest(pod_sandbox_id=pod), timeout=30)
