// SPDX-License-Identifier: Apache-2.0
// grpc-go interop client for crispd: dials the socket the way kubelet 1.26 does (bare path
// target, so :authority is the path) and checks a few RPCs, or drives concurrent Version calls.
// Built from Debian's Go packages only (GOPATH mode); messages are hand-encoded protobuf.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

const (
	maxMsgSize = 16 * 1024 * 1024 // kubelet 1.26 remote/utils.go
	svc        = "/runtime.v1.RuntimeService/"
)

// ---- raw codec: requests and responses are []byte holding protobuf -------------------------

type rawCodec struct{}

func (rawCodec) Marshal(v interface{}) ([]byte, error) {
	b, ok := v.(*[]byte)
	if !ok {
		return nil, fmt.Errorf("rawCodec: cannot marshal %T", v)
	}
	return *b, nil
}

func (rawCodec) Unmarshal(data []byte, v interface{}) error {
	b, ok := v.(*[]byte)
	if !ok {
		return fmt.Errorf("rawCodec: cannot unmarshal into %T", v)
	}
	*b = append((*b)[:0], data...)
	return nil
}

// "proto" so that a grpc-go which derives content-subtype from the codec still sends
// application/grpc+proto; grpc-go 1.33 leaves content-type at application/grpc.
func (rawCodec) Name() string { return "proto" }

// ---- minimal protobuf wire encoding ---------------------------------------------------------

func appendVarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

func appendString(b []byte, field int, s string) []byte {
	b = appendVarint(b, uint64(field)<<3|2)
	b = appendVarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendBool(b []byte, field int, v bool) []byte {
	if !v {
		return b
	}
	b = appendVarint(b, uint64(field)<<3)
	return append(b, 1)
}

type pbField struct {
	num    int
	wire   int
	varint uint64
	bytes  []byte
}

func readVarint(b []byte) (uint64, int, error) {
	var v uint64
	for i := 0; i < len(b) && i < 10; i++ {
		v |= uint64(b[i]&0x7f) << (7 * uint(i))
		if b[i] < 0x80 {
			return v, i + 1, nil
		}
	}
	return 0, 0, errors.New("bad varint")
}

// parseFields splits a message into its fields (varint, 64-bit, length-delimited, 32-bit).
func parseFields(b []byte) ([]pbField, error) {
	var out []pbField
	for len(b) > 0 {
		key, n, err := readVarint(b)
		if err != nil {
			return nil, err
		}
		b = b[n:]
		f := pbField{num: int(key >> 3), wire: int(key & 7)}
		if f.num == 0 {
			return nil, errors.New("field number 0")
		}
		switch f.wire {
		case 0:
			f.varint, n, err = readVarint(b)
			if err != nil {
				return nil, err
			}
			b = b[n:]
		case 1, 5:
			sz := 8
			if f.wire == 5 {
				sz = 4
			}
			if len(b) < sz {
				return nil, errors.New("truncated fixed field")
			}
			f.bytes, b = b[:sz], b[sz:]
		case 2:
			l, n, err := readVarint(b)
			if err != nil {
				return nil, err
			}
			b = b[n:]
			if uint64(len(b)) < l {
				return nil, errors.New("truncated length-delimited field")
			}
			f.bytes, b = b[:l], b[l:]
		default:
			return nil, fmt.Errorf("unsupported wire type %d", f.wire)
		}
		out = append(out, f)
	}
	return out, nil
}

// ---- connection ------------------------------------------------------------------------------

// sniffConn keeps the first bytes the client writes, to read back the HTTP/2 :authority.
type sniffConn struct {
	net.Conn
	mu  sync.Mutex
	buf bytes.Buffer
}

func (c *sniffConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	if c.buf.Len() < 64*1024 {
		c.buf.Write(p)
	}
	c.mu.Unlock()
	return c.Conn.Write(p)
}

// firstAuthority decodes the first HEADERS frame the client sent and returns :authority.
func (c *sniffConn) firstAuthority() (string, error) {
	c.mu.Lock()
	data := append([]byte(nil), c.buf.Bytes()...)
	c.mu.Unlock()
	if !bytes.HasPrefix(data, []byte(http2.ClientPreface)) {
		return "", errors.New("no HTTP/2 client preface captured")
	}
	fr := http2.NewFramer(io.Discard, bytes.NewReader(data[len(http2.ClientPreface):]))
	fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	for {
		f, err := fr.ReadFrame()
		if err != nil {
			return "", fmt.Errorf("no HEADERS frame captured: %v", err)
		}
		if mh, ok := f.(*http2.MetaHeadersFrame); ok {
			return mh.PseudoValue("authority"), nil
		}
	}
}

// dial connects like kubelet 1.26 (remote_runtime.go): the target is the bare socket path,
// insecure transport, a unix context dialer, 16 MiB receive cap, no keepalive, no authority.
func dial(ctx context.Context, socket string, sniff *sniffConn) (*grpc.ClientConn, error) {
	opts := []grpc.DialOption{}
	if os.Getenv("CRISP_INTEROP_NO_BDP") != "" { // diagnosis only: fixed windows turn off BDP pings
		opts = append(opts, grpc.WithInitialWindowSize(1<<20), grpc.WithInitialConnWindowSize(1<<20))
	}
	dialer := func(ctx context.Context, addr string) (net.Conn, error) {
		var d net.Dialer
		c, err := d.DialContext(ctx, "unix", addr)
		if err != nil || sniff == nil {
			return c, err
		}
		sniff.Conn = c
		return sniff, nil
	}
	opts = append(opts, grpc.WithInsecure(), grpc.WithContextDialer(dialer),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxMsgSize)))
	return grpc.DialContext(ctx, socket, opts...)
}

func invoke(ctx context.Context, cc *grpc.ClientConn, method string, req []byte) ([]byte, error) {
	var resp []byte
	if req == nil {
		req = []byte{}
	}
	err := cc.Invoke(ctx, svc+method, &req, &resp, grpc.ForceCodec(rawCodec{}))
	return resp, err
}

// ---- messages ---------------------------------------------------------------------------------

type versionResp struct {
	Version           string `json:"version"`
	RuntimeName       string `json:"runtime_name"`
	RuntimeVersion    string `json:"runtime_version"`
	RuntimeAPIVersion string `json:"runtime_api_version"`
}

func decodeVersion(b []byte) (versionResp, error) {
	var v versionResp
	fs, err := parseFields(b)
	if err != nil {
		return v, err
	}
	for _, f := range fs {
		if f.wire != 2 {
			continue
		}
		switch f.num {
		case 1:
			v.Version = string(f.bytes)
		case 2:
			v.RuntimeName = string(f.bytes)
		case 3:
			v.RuntimeVersion = string(f.bytes)
		case 4:
			v.RuntimeAPIVersion = string(f.bytes)
		}
	}
	return v, nil
}

type condition struct {
	Type    string `json:"type"`
	Status  bool   `json:"status"`
	Reason  string `json:"reason,omitempty"`
	Message string `json:"message,omitempty"`
}

type statusResp struct {
	Conditions []condition       `json:"conditions"`
	Info       map[string]string `json:"-"`
}

func decodeCondition(b []byte) (condition, error) {
	var c condition
	fs, err := parseFields(b)
	if err != nil {
		return c, err
	}
	for _, f := range fs {
		switch {
		case f.num == 1 && f.wire == 2:
			c.Type = string(f.bytes)
		case f.num == 2 && f.wire == 0:
			c.Status = f.varint != 0
		case f.num == 3 && f.wire == 2:
			c.Reason = string(f.bytes)
		case f.num == 4 && f.wire == 2:
			c.Message = string(f.bytes)
		}
	}
	return c, nil
}

func decodeStatus(b []byte) (statusResp, error) {
	s := statusResp{Info: map[string]string{}}
	fs, err := parseFields(b)
	if err != nil {
		return s, err
	}
	for _, f := range fs {
		if f.wire != 2 {
			continue
		}
		switch f.num {
		case 1: // RuntimeStatus { repeated RuntimeCondition conditions = 1; }
			inner, err := parseFields(f.bytes)
			if err != nil {
				return s, err
			}
			for _, g := range inner {
				if g.num == 1 && g.wire == 2 {
					c, err := decodeCondition(g.bytes)
					if err != nil {
						return s, err
					}
					s.Conditions = append(s.Conditions, c)
				}
			}
		case 2: // map<string,string> info: entries { key = 1; value = 2; }
			kv, err := parseFields(f.bytes)
			if err != nil {
				return s, err
			}
			var k, v string
			for _, g := range kv {
				if g.wire == 2 && g.num == 1 {
					k = string(g.bytes)
				} else if g.wire == 2 && g.num == 2 {
					v = string(g.bytes)
				}
			}
			s.Info[k] = v
		}
	}
	return s, nil
}

// ---- check mode -------------------------------------------------------------------------------

type check struct {
	OK     bool        `json:"ok"`
	Error  string      `json:"error,omitempty"`
	Detail interface{} `json:"detail,omitempty"`
}

func fail(format string, a ...interface{}) check {
	return check{OK: false, Error: fmt.Sprintf(format, a...)}
}

func runChecks(socket string, timeout time.Duration) (map[string]check, string) {
	checks := map[string]check{}
	sniff := &sniffConn{}
	dctx, dcancel := context.WithTimeout(context.Background(), timeout)
	defer dcancel()
	cc, err := dial(dctx, socket, sniff)
	if err != nil {
		checks["dial"] = fail("%v", err)
		return checks, ""
	}
	defer cc.Close()
	call := func(method string, req []byte, d time.Duration) ([]byte, error) {
		ctx, cancel := context.WithTimeout(context.Background(), d)
		defer cancel()
		return invoke(ctx, cc, method, req)
	}

	// Version, as kubelet's validateServiceConnection does first.
	if b, err := call("Version", appendString(nil, 1, "v1"), timeout); err != nil {
		checks["version"] = fail("%v", err)
	} else if v, err := decodeVersion(b); err != nil {
		checks["version"] = fail("decode: %v", err)
	} else if v.RuntimeName != "crisp" || v.RuntimeAPIVersion != "v1" || v.RuntimeVersion == "" {
		checks["version"] = check{Error: "unexpected VersionResponse", Detail: v}
	} else {
		checks["version"] = check{OK: true, Detail: v}
	}

	authority, aerr := sniff.firstAuthority()
	if aerr != nil {
		checks["authority"] = fail("%v", aerr)
	} else if authority != socket {
		checks["authority"] = fail("client sent :authority %q, want the socket path %q", authority, socket)
	} else {
		checks["authority"] = check{OK: true, Detail: authority}
	}

	// Status (verbose, to exercise the info map too).
	if b, err := call("Status", appendBool(nil, 1, true), timeout); err != nil {
		checks["status"] = fail("%v", err)
	} else if s, err := decodeStatus(b); err != nil {
		checks["status"] = fail("decode: %v", err)
	} else {
		seen := map[string]int{}
		for _, c := range s.Conditions {
			seen[c.Type]++
		}
		keys := make([]string, 0, len(s.Info))
		for k := range s.Info {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		detail := map[string]interface{}{"conditions": s.Conditions, "info_keys": keys}
		if seen["RuntimeReady"] != 1 || seen["NetworkReady"] != 1 {
			checks["status"] = check{Error: "want exactly one RuntimeReady and one NetworkReady condition", Detail: detail}
		} else {
			checks["status"] = check{OK: true, Detail: detail}
		}
	}

	// RuntimeConfig: LinuxRuntimeConfiguration linux = 1 { CgroupDriver cgroup_driver = 1; }.
	if b, err := call("RuntimeConfig", nil, timeout); err != nil {
		checks["runtime_config"] = fail("%v", err)
	} else if fs, err := parseFields(b); err != nil {
		checks["runtime_config"] = fail("decode: %v", err)
	} else {
		driver := uint64(0) // SYSTEMD
		for _, f := range fs {
			if f.num == 1 && f.wire == 2 {
				inner, err := parseFields(f.bytes)
				if err != nil {
					checks["runtime_config"] = fail("decode: %v", err)
					break
				}
				for _, g := range inner {
					if g.num == 1 && g.wire == 0 {
						driver = g.varint
					}
				}
			}
		}
		if _, done := checks["runtime_config"]; !done {
			name := map[uint64]string{0: "SYSTEMD", 1: "CGROUPFS"}[driver]
			checks["runtime_config"] = check{OK: name != "", Detail: map[string]interface{}{"cgroup_driver": name}}
		}
	}

	// Unknown method, and a known-but-not-yet-implemented one: both UNIMPLEMENTED.
	for name, method := range map[string]string{
		"unknown_method":    "NoSuchMethod",
		"unimplemented_rpc": "CheckpointContainer",
	} {
		_, err := call(method, nil, timeout)
		if st, _ := status.FromError(err); err != nil && st.Code() == codes.Unimplemented {
			checks[name] = check{OK: true, Detail: st.Message()}
		} else {
			checks[name] = fail("want Unimplemented, got %v", err)
		}
	}

	// A 1 ms deadline: the client may time out first or the server may answer in time.
	{
		_, err := call("Version", nil, time.Millisecond)
		code := status.Code(err)
		if code == codes.OK || code == codes.DeadlineExceeded {
			checks["deadline_1ms"] = check{OK: true, Detail: code.String()}
		} else {
			checks["deadline_1ms"] = fail("want DeadlineExceeded or OK, got %v", err)
		}
	}

	// The connection and the daemon still answer afterwards.
	if b, err := call("Version", nil, timeout); err != nil {
		checks["version_after"] = fail("%v", err)
	} else if v, err := decodeVersion(b); err != nil || v.RuntimeName != "crisp" {
		checks["version_after"] = fail("bad response %+v (%v)", v, err)
	} else {
		checks["version_after"] = check{OK: true}
	}
	return checks, authority
}

// ---- bench mode -------------------------------------------------------------------------------

type benchResult struct {
	Mode        string  `json:"mode"`
	Calls       int     `json:"calls"`
	Concurrency int     `json:"concurrency"`
	Errors      int64   `json:"errors"`
	FirstError  string  `json:"first_error,omitempty"`
	Seconds     float64 `json:"seconds"`
	CallsPerSec float64 `json:"calls_per_sec"`
	P50us       float64 `json:"p50_us"`
	P99us       float64 `json:"p99_us"`
	MaxUs       float64 `json:"max_us"`
}

func percentile(sorted []time.Duration, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p * float64(len(sorted)-1))
	return float64(sorted[i].Nanoseconds()) / 1e3
}

func runBench(socket string, n, conc, warmup int, timeout time.Duration) benchResult {
	res := benchResult{Mode: "bench", Calls: n, Concurrency: conc}
	dctx, dcancel := context.WithTimeout(context.Background(), timeout)
	defer dcancel()
	cc, err := dial(dctx, socket, nil)
	if err != nil {
		res.Errors, res.FirstError = int64(n), err.Error()
		return res
	}
	defer cc.Close()
	var errs int64
	var firstErr atomic.Value
	one := func() time.Duration {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		t0 := time.Now()
		b, err := invoke(ctx, cc, "Version", nil)
		d := time.Since(t0)
		if err == nil {
			if v, derr := decodeVersion(b); derr != nil || v.RuntimeName != "crisp" {
				err = fmt.Errorf("bad VersionResponse %+v (%v)", v, derr)
			}
		}
		if err != nil {
			atomic.AddInt64(&errs, 1)
			firstErr.Store(fmt.Sprintf("%v (code %s, %T)", err, status.Code(err), err))
		}
		return d
	}
	for i := 0; i < warmup; i++ {
		one()
	}
	atomic.StoreInt64(&errs, 0)
	lat := make([]time.Duration, n)
	var next int64 = -1
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := atomic.AddInt64(&next, 1)
				if i >= int64(n) {
					return
				}
				lat[i] = one()
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	res.Errors = atomic.LoadInt64(&errs)
	if s, ok := firstErr.Load().(string); ok && res.Errors > 0 {
		res.FirstError = s
	}
	res.Seconds = elapsed.Seconds()
	if res.Seconds > 0 {
		res.CallsPerSec = float64(n) / res.Seconds
	}
	res.P50us = percentile(lat, 0.50)
	res.P99us = percentile(lat, 0.99)
	res.MaxUs = percentile(lat, 1.0)
	return res
}

// ---- main -------------------------------------------------------------------------------------

func main() {
	socket := flag.String("socket", "", "crispd socket path (dialed as a bare path, like kubelet)")
	bench := flag.Bool("bench", false, "benchmark mode: concurrent Version calls over one connection")
	n := flag.Int("n", 10000, "bench: number of measured calls")
	conc := flag.Int("c", 16, "bench: concurrent callers")
	warmup := flag.Int("warmup", 200, "bench: sequential warm-up calls")
	timeout := flag.Duration("timeout", 10*time.Second, "per-call and dial timeout")
	flag.Parse()
	if *socket == "" || *n < 1 || *conc < 1 {
		fmt.Fprintln(os.Stderr, "usage: crisp-interop -socket PATH [-bench -n N -c C -warmup W]")
		os.Exit(2)
	}
	enc := json.NewEncoder(os.Stdout)
	if *bench {
		r := runBench(*socket, *n, *conc, *warmup, *timeout)
		_ = enc.Encode(r)
		if r.Errors > 0 {
			os.Exit(1)
		}
		return
	}
	checks, authority := runChecks(*socket, *timeout)
	ok := len(checks) > 0
	for _, c := range checks {
		ok = ok && c.OK
	}
	_ = enc.Encode(map[string]interface{}{
		"ok": ok, "client": "grpc-go " + grpc.Version, "authority": authority, "checks": checks,
	})
	if !ok {
		os.Exit(1)
	}
}
