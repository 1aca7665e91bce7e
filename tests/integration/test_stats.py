# SPDX-License-Identifier: Apache-2.0
# Container and pod stats through a real gRPC client, real runc, conmon and CNI: a container
# that burns CPU and one that allocates memory show moving values, the writable layer grows
# after a write (within the cache's refresh period), pod network bytes move after traffic on
# eth0, process counts, filters by id, pod id and labels, NOT_FOUND for unknown ids, and the
# same numbers as cAdvisor-named metrics (ListMetricDescriptors, ListPodSandboxMetrics).
# Needs root.
import json
import os
import subprocess
import time

import grpc
import pytest

import oci_images as oi

SUBNET_BASE = "10.217"


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    reg = oi.Registry(str(tmp_path_factory.mktemp("stats-registry")))
    reg.bb = "%s/test/bb:v1" % reg.addr
    oi.push_image(reg, "test/bb", "v1", [oi.busybox_layer()])
    yield reg
    reg.stop()


class Env:
    def __init__(self, tmp, factory, cri, registry):
        self.tmp, self.reg = tmp, registry
        self.pb, self.rpc = cri
        n = os.getpid() % 200 + 20
        self.bridge = "crs%d" % n
        subnet = "%s.%d.0/24" % (SUBNET_BASE, n)
        net_d = os.path.join(tmp, "net.d")
        os.makedirs(net_d)
        conf = {"cniVersion": "1.0.0", "name": "crisp-stats-" + self.bridge, "plugins": [
            {"type": "bridge", "bridge": self.bridge, "isGateway": True, "ipMasq": True,
             "ipam": {"type": "host-local", "dataDir": os.path.join(tmp, "ipam"),
                      "routes": [{"dst": "0.0.0.0/0"}], "ranges": [[{"subnet": subnet}]]}},
            {"type": "loopback"}]}
        with open(os.path.join(net_d, "10-stats.conflist"), "w") as f:
            json.dump(conf, f)
        self.d = factory("crispd", config_text="[cni]\nconf_dir = %s\n" % net_d).start()
        self.ch = grpc.insecure_channel(self.d.target())
        self.s = self.rpc.RuntimeServiceStub(self.ch)
        self.im = self.rpc.ImageServiceStub(self.ch)
        self.im.PullImage(self.pb.PullImageRequest(image=self.pb.ImageSpec(image=registry.bb)),
                          timeout=120)
        self.pods = {}

    def pod(self, name, labels=None):
        pb = self.pb
        cfg = pb.PodSandboxConfig(
            metadata=pb.PodSandboxMetadata(name=name, namespace="default", uid="uid-" + name),
            hostname=name, log_directory=os.path.join(self.tmp, "logs", name),
            labels=labels or {},
            linux=pb.LinuxPodSandboxConfig(security_context=pb.LinuxSandboxSecurityContext(
                namespace_options=pb.NamespaceOption(network=pb.POD, pid=pb.CONTAINER))))
        pid = self.s.RunPodSandbox(pb.RunPodSandboxRequest(config=cfg), timeout=60).pod_sandbox_id
        self.pods[pid] = cfg
        return pid

    def run(self, pod, name, cmd, labels=None):
        pb = self.pb
        cfg = pb.ContainerConfig(metadata=pb.ContainerMetadata(name=name),
                                 image=pb.ImageSpec(image=self.reg.bb), command=cmd,
                                 labels=labels or {}, log_path="%s.log" % name,
                                 linux=pb.LinuxContainerConfig())
        cid = self.s.CreateContainer(pb.CreateContainerRequest(
            pod_sandbox_id=pod, config=cfg, sandbox_config=self.pods[pod]),
            timeout=60).container_id
        self.s.StartContainer(pb.StartContainerRequest(container_id=cid), timeout=60)
        return cid

    def exec(self, cid, cmd, timeout=30):
        r = self.s.ExecSync(self.pb.ExecSyncRequest(container_id=cid, cmd=cmd, timeout=timeout),
                            timeout=timeout + 30)
        assert r.exit_code == 0, r.stderr
        return r

    def cstats(self, cid):
        return self.s.ContainerStats(self.pb.ContainerStatsRequest(container_id=cid),
                                     timeout=10).stats

    def pstats(self, pid):
        return self.s.PodSandboxStats(self.pb.PodSandboxStatsRequest(pod_sandbox_id=pid),
                                      timeout=10).stats

    def list_c(self, **flt):
        f = self.pb.ContainerStatsFilter(**flt)
        return self.s.ListContainerStats(self.pb.ListContainerStatsRequest(filter=f),
                                         timeout=10).stats

    def list_p(self, **flt):
        f = self.pb.PodSandboxStatsFilter(**flt)
        return self.s.ListPodSandboxStats(self.pb.ListPodSandboxStatsRequest(filter=f),
                                          timeout=10).stats

    def info(self, pid):
        st = self.s.PodSandboxStatus(self.pb.PodSandboxStatusRequest(pod_sandbox_id=pid,
                                                                     verbose=True), timeout=10)
        return json.loads(st.info["info"]), st.status.network.ip

    def close(self):
        for pid in self.pods:
            try:
                self.s.StopPodSandbox(self.pb.StopPodSandboxRequest(pod_sandbox_id=pid),
                                      timeout=60)
                self.s.RemovePodSandbox(self.pb.RemovePodSandboxRequest(pod_sandbox_id=pid),
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


def wait_for(fn, timeout, what):
    deadline = time.time() + timeout
    while True:
        v = fn()
        if v:
            return v
        assert time.time() < deadline, what
        time.sleep(0.25)


def test_cpu_memory_and_writable_layer_move(env):
    pod = env.pod("work")
    burn = env.run(pod, "burn", ["sh", "-c", "while :; do :; done"])
    # Holds ~40 MB of anonymous memory once /tmp/go exists: tail keeps the last 40 MB it
    # read, then blocks writing to a sleep that never reads.
    mem = env.run(pod, "mem", ["sh", "-c", "while [ ! -e /tmp/go ]; do sleep 0.1; done; "
                                           "head -c 40000000 /dev/zero | tail -c 40000000 | "
                                           "sleep 1000"])
    s1 = env.cstats(burn)
    assert s1.attributes.id == burn and s1.attributes.metadata.name == "burn"
    assert s1.cpu.usage_core_nano_seconds.value > 0
    assert s1.memory.working_set_bytes.value > 0
    # The busy loop's CPU time moves; other engineers' builds share the 2 cores, so wait for
    # a tenth of a second of it rather than expecting a share of the wall time.
    s2 = wait_for(lambda: (lambda st: st if st.cpu.usage_core_nano_seconds.value >
                           s1.cpu.usage_core_nano_seconds.value + 1e8 else None)(
        env.cstats(burn)), 30, "the busy container's CPU time did not move")
    assert not s1.cpu.HasField("usage_nano_cores")  # no previous sample yet
    assert s2.cpu.timestamp > s1.cpu.timestamp
    # The rate over a second since the previous sample: above zero (the loop is always
    # runnable), at most the machine's cores.
    time.sleep(1)
    s3 = env.cstats(burn)
    assert 0 < s3.cpu.usage_nano_cores.value <= os.cpu_count() * 1.05e9, s3.cpu

    m1 = env.cstats(mem).memory
    env.exec(mem, ["touch", "/tmp/go"])
    m2 = wait_for(lambda: (lambda m: m if m.working_set_bytes.value >
                           m1.working_set_bytes.value + 35e6 else None)(
        env.cstats(mem).memory), 60, "the memory container's working set did not grow")
    grown = m2.working_set_bytes.value - m1.working_set_bytes.value
    assert grown > 35e6, (m1, m2)
    assert m2.usage_bytes.value >= m2.working_set_bytes.value
    assert m2.rss_bytes.value > 30e6 and m2.page_faults.value > m1.page_faults.value
    assert not m2.HasField("available_bytes")  # no memory limit: nothing to subtract from

    # The writable layer: 20 MB written into the upper dir shows within the refresh period.
    l1 = env.cstats(mem).writable_layer
    assert l1.fs_id.mountpoint == os.path.join(env.d.tmp, "root")
    env.exec(mem, ["sh", "-c", "head -c 20000000 /dev/zero > /blob"])
    l2 = wait_for(lambda: (lambda w: w if w.used_bytes.value >= l1.used_bytes.value + 19e6
                           else None)(env.cstats(mem).writable_layer), 15,
                  "writable layer did not grow")
    assert l2.inodes_used.value > l1.inodes_used.value

    # Pod totals: both containers' CPU and memory, their processes.
    p = env.pstats(pod)
    assert p.attributes.id == pod and p.attributes.metadata.name == "work"
    assert {c.attributes.id for c in p.linux.containers} == {burn, mem}
    assert p.linux.cpu.usage_core_nano_seconds.value >= s3.cpu.usage_core_nano_seconds.value
    assert p.linux.memory.working_set_bytes.value >= m2.working_set_bytes.value
    assert p.linux.process.process_count.value >= 2


def test_memory_limit_gives_available(env):
    pb = env.pb
    pod = env.pod("lim")
    cfg = pb.ContainerConfig(metadata=pb.ContainerMetadata(name="l"),
                             image=pb.ImageSpec(image=env.reg.bb), command=["sleep", "1000"],
                             log_path="l.log", linux=pb.LinuxContainerConfig(
                                 resources=pb.LinuxContainerResources(
                                     memory_limit_in_bytes=64 << 20)))
    cid = env.s.CreateContainer(pb.CreateContainerRequest(
        pod_sandbox_id=pod, config=cfg, sandbox_config=env.pods[pod]), timeout=60).container_id
    env.s.StartContainer(pb.StartContainerRequest(container_id=cid), timeout=60)
    m = env.cstats(cid).memory
    assert m.available_bytes.value == (64 << 20) - m.working_set_bytes.value


def test_pod_network_moves_after_traffic(env):
    a = env.pod("neta")
    b = env.pod("netb")
    env.run(a, "idle", ["sleep", "1000"])
    info_a, ip_a = env.info(a)
    _, ip_b = env.info(b)

    def eth0(pid):
        net = env.pstats(pid).linux.network
        assert net.default_interface.name == "eth0", net
        assert [i.name for i in net.interfaces] == ["eth0"]  # lo is not reported
        return net.default_interface

    a1, b1 = eth0(a), eth0(b)
    r = subprocess.run(["nsenter", "--net=" + info_a["netns"], "busybox", "ping", "-c", "5",
                        "-i", "0.2", "-s", "1000", "-W", "2", ip_b],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stdout + r.stderr
    a2, b2 = eth0(a), eth0(b)
    assert a2.tx_bytes.value - a1.tx_bytes.value >= 5 * 1000
    assert a2.rx_bytes.value - a1.rx_bytes.value >= 5 * 1000
    assert b2.rx_bytes.value - b1.rx_bytes.value >= 5 * 1000
    assert a2.rx_errors.value == 0 and a2.tx_errors.value == 0
    # The pod's process count comes from its container; the list carries both pods.
    assert env.pstats(a).linux.process.process_count.value >= 1
    assert {p.attributes.id for p in env.list_p()} >= {a, b}


def test_filters_and_not_found(env):
    pb = env.pb
    p1 = env.pod("f1", labels={"app": "one"})
    p2 = env.pod("f2", labels={"app": "two"})
    c1 = env.run(p1, "c1", ["sleep", "1000"], labels={"tier": "front"})
    c2 = env.run(p1, "c2", ["sleep", "1000"], labels={"tier": "back"})
    c3 = env.run(p2, "c3", ["sleep", "1000"], labels={"tier": "front"})
    ids = lambda v: sorted(s.attributes.id for s in v)  # noqa: E731
    assert ids(env.list_c()) == sorted([c1, c2, c3])
    assert ids(env.list_c(id=c2)) == [c2]
    assert ids(env.list_c(id=c2[:12])) == [c2]
    assert ids(env.list_c(pod_sandbox_id=p1)) == sorted([c1, c2])
    assert ids(env.list_c(label_selector={"tier": "front"})) == sorted([c1, c3])
    assert ids(env.list_c(pod_sandbox_id=p2, label_selector={"tier": "back"})) == []
    assert ids(env.list_c(id="f" * 64)) == []
    assert ids(env.list_p()) == sorted([p1, p2])
    assert ids(env.list_p(id=p2)) == [p2]
    assert ids(env.list_p(label_selector={"app": "one"})) == [p1]
    assert ids(env.list_p(label_selector={"app": "none"})) == []
    # A pod's own stats carry its containers with their labels.
    got = env.pstats(p1)
    assert got.attributes.labels["app"] == "one"
    assert {c.attributes.id: c.attributes.labels["tier"] for c in got.linux.containers} == \
        {c1: "front", c2: "back"}
    for call in (lambda: env.cstats("0" * 64), lambda: env.pstats("0" * 64),
                 lambda: env.cstats("")):
        with pytest.raises(grpc.RpcError) as e:
            call()
        assert e.value.code() == grpc.StatusCode.NOT_FOUND, e.value


def test_metric_descriptors_and_pod_metrics(env):
    pb = env.pb
    descs = {d.name: list(d.label_keys) for d in env.s.ListMetricDescriptors(
        pb.ListMetricDescriptorsRequest(), timeout=10).descriptors}
    for name in ("container_cpu_usage_seconds_total", "container_memory_working_set_bytes",
                 "container_memory_usage_bytes", "container_network_receive_bytes_total",
                 "container_network_transmit_bytes_total"):
        assert name in descs, descs
    pod = env.pod("met")
    cid = env.run(pod, "burn", ["sh", "-c", "while :; do :; done"])
    info, _ = env.info(pod)
    # Some traffic out of eth0 (the gateway answers), so its counters are not zero.
    subprocess.run(["nsenter", "--net=" + info["netns"], "busybox", "ping", "-c", "2", "-i",
                    "0.2", "-W", "1", "%s.1" % env.info(pod)[1].rsplit(".", 1)[0]],
                   capture_output=True, timeout=30)
    # Wait for a whole second of CPU: the counter is in whole seconds.
    def cpu_metric():
        got = env.s.ListPodSandboxMetrics(pb.ListPodSandboxMetricsRequest(), timeout=10)
        pm = [p for p in got.pod_metrics if p.pod_sandbox_id == pod]
        assert len(pm) == 1, got
        cms = {c.container_id: {m.name: m for m in c.metrics} for c in pm[0].container_metrics}
        m = cms[cid]["container_cpu_usage_seconds_total"]
        return (pm[0], cms) if m.value.value >= 1 else None
    pm, cms = wait_for(cpu_metric, 60, "no second of CPU in the metrics")
    m = cms[cid]["container_cpu_usage_seconds_total"]
    assert m.metric_type == pb.COUNTER and m.timestamp > 0
    assert list(m.label_values) == [cid, "burn", env.reg.bb]
    assert len(m.label_values) == len(descs[m.name])
    ws = cms[cid]["container_memory_working_set_bytes"]
    assert ws.metric_type == pb.GAUGE and ws.value.value > 0
    net = {(m.name, m.label_values[3]): m for m in pm.metrics}
    rx = net[("container_network_receive_bytes_total", "eth0")]
    tx = net[("container_network_transmit_bytes_total", "eth0")]
    assert rx.value.value > 0 and tx.value.value > 0
    assert list(rx.label_values) == [pod, "met", "", "eth0"]
    assert len(rx.label_values) == len(descs[rx.name])
    assert not any(l == "lo" for _, l in net)
