package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
)

// binary is the morph command built once for the tests that run it as an
// operator would.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "morph-bin")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "morph")
	http.DefaultTransport = &authTransport{next: http.DefaultTransport, tokens: map[string]string{}}
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// server is a running morph process.
type server struct {
	cmd   *exec.Cmd
	base  string
	logs  *bytes.Buffer
	done  chan error
	token string // a session token of the tests' administrator
}

// The tests' administrator: every server the tests start creates it in a
// store without users (MORPH_ADMIN_EMAIL, MORPH_ADMIN_PASSWORD).
const (
	adminEmail    = "admin@test.local"
	adminPassword = "Morph-tests-9f2c"
)

// authTransport sends the requests of the tests (http.Get, http.Post, the
// default client) with the session token of the server they go to, unless
// they carry an Authorization header of their own: the tests act as the
// administrator.
type authTransport struct {
	next   http.RoundTripper
	mu     sync.Mutex
	tokens map[string]string // host:port → token
}

func (a *authTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	a.mu.Lock()
	token := a.tokens[r.URL.Host]
	a.mu.Unlock()
	if token != "" && r.Header.Get("Authorization") == "" {
		r = r.Clone(r.Context())
		r.Header.Set("Authorization", "Bearer "+token)
	}
	return a.next.RoundTrip(r)
}

// login signs in as the tests' administrator and has the requests to s
// carry the token.
func (s *server) login(t *testing.T) {
	t.Helper()
	b, _ := json.Marshal(map[string]string{"email": adminEmail, "password": adminPassword})
	res, err := http.Post(s.base+"/api/auth/login", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct{ Token string }
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode != 200 || out.Token == "" {
		t.Fatalf("login: %d %v\n%s", res.StatusCode, err, s.logs)
	}
	s.token = out.Token
	at := http.DefaultTransport.(*authTransport)
	at.mu.Lock()
	at.tokens[strings.TrimPrefix(s.base, "http://")] = s.token
	at.mu.Unlock()
}

func start(t *testing.T, store string, args ...string) *server {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(binary, append([]string{"serve", "--addr", addr, "--store", store}, args...)...)
	cmd.Env = append(os.Environ(), "MORPH_ADMIN_EMAIL="+adminEmail, "MORPH_ADMIN_PASSWORD="+adminPassword)
	logs := &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, base: "http://" + addr, logs: logs, done: make(chan error, 1)}
	go func() { s.done <- cmd.Wait() }()
	t.Cleanup(func() { cmd.Process.Kill(); <-s.done })
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := http.Get(s.base + "/healthz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				s.login(t)
				return s
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("server did not start:\n%s", logs)
	return nil
}

func (s *server) post(path string, body any) (int, []byte, error) {
	b, _ := json.Marshal(body)
	res, err := http.Post(s.base+path, "application/json", bytes.NewReader(b))
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	return res.StatusCode, out, err
}

func TestServeExampleAndStopGracefully(t *testing.T) {
	s := start(t, "sqlite:"+filepath.Join(t.TempDir(), "m.db"))
	res, err := http.Get(s.base + "/api/entities")
	if err != nil {
		t.Fatal(err)
	}
	var list struct{ Items []struct{ Name string } }
	json.NewDecoder(res.Body).Decode(&list)
	res.Body.Close()
	if len(list.Items) != 8 {
		t.Fatalf("the sme-crm example has %d entities, want 8", len(list.Items))
	}
	// Its business calendar, with mainland China's 2026 schedule.
	req, _ := http.NewRequest("GET", s.base+"/api/calendars/cn_office", nil)
	req.Header.Set("Authorization", "Bearer "+s.token)
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	cal, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(cal), `"2026-10-10"`) || !strings.Contains(string(cal), "Asia/Shanghai") {
		t.Fatalf("the example's calendar: %d %s", res.StatusCode, cal)
	}
	// Its ticket SLA on that calendar.
	req, _ = http.NewRequest("GET", s.base+"/api/slas/ticket_sla", nil)
	req.Header.Set("Authorization", "Bearer "+s.token)
	if res, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	pol, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(pol), `"cn_office"`) {
		t.Fatalf("the example's SLA policy: %d %s", res.StatusCode, pol)
	}

	// A bulk request in flight when SIGTERM arrives still completes: half of
	// its body is sent before the signal, the rest after.
	items := make([]map[string]any, 1000)
	for i := range items {
		items[i] = map[string]any{"name": fmt.Sprintf("在途客户%04d", i), "region": "华南"}
	}
	body, _ := json.Marshal(map[string]any{"items": items})
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /api/records/account/bulk HTTP/1.1\r\nHost: morph\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n", s.token, len(body))
	conn.Write(body[:len(body)/2])
	time.Sleep(100 * time.Millisecond)
	s.cmd.Process.Signal(syscall.SIGTERM)
	time.Sleep(100 * time.Millisecond)
	if _, err := conn.Write(body[len(body)/2:]); err != nil {
		t.Fatalf("the server closed an in-flight request: %v\n%s", err, s.logs)
	}
	bulkRes, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("in-flight request: %v\n%s", err, s.logs)
	}
	out, _ := io.ReadAll(bulkRes.Body)
	bulkRes.Body.Close()
	if bulkRes.StatusCode != 200 || !strings.Contains(string(out), `"succeeded":1000`) {
		t.Fatalf("in-flight request: %d %s", bulkRes.StatusCode, out)
	}
	select {
	case err := <-s.done:
		if err != nil {
			t.Fatalf("exit: %v\n%s", err, s.logs)
		}
		s.done <- nil
	case <-time.After(30 * time.Second):
		t.Fatal("the server did not stop on SIGTERM")
	}
	if !strings.Contains(s.logs.String(), "shutting down") {
		t.Errorf("no shutdown in the logs:\n%s", s.logs)
	}
}

// SIGKILL during a bulk load of 100k records: after a restart the store
// opens cleanly and every item whose response was received is there.
func TestCrashDuringBulkLoad(t *testing.T) {
	dbPath := "sqlite:" + filepath.Join(t.TempDir(), "m.db")
	s := start(t, dbPath)

	const batches, size = 100, 1000
	var mu sync.Mutex
	var acked []string
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	next := make(chan int)
	go func() {
		defer close(next)
		for b := 0; b < batches; b++ {
			select {
			case next <- b:
			case <-ctx.Done():
				return
			}
		}
	}()
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range next {
				items := make([]map[string]any, size)
				ids := make([]string, size)
				for i := range items {
					ids[i] = uuid.Must(uuid.NewV7()).String()
					items[i] = map[string]any{"id": ids[i], "name": fmt.Sprintf("崩溃测试客户%03d-%04d", b, i), "region": "华东", "phone": "138 0013 8000"}
				}
				st, body, err := s.post("/api/records/account/bulk", map[string]any{"items": items})
				if err != nil {
					return // the server is gone
				}
				if st != 200 {
					t.Errorf("bulk: %d %s", st, body)
					return
				}
				var res struct{ Items []struct{ Status int } }
				json.Unmarshal(body, &res)
				mu.Lock()
				for i, it := range res.Items {
					if it.Status == 201 {
						acked = append(acked, ids[i])
					}
				}
				mu.Unlock()
			}
		}()
	}
	// Kill once a good part of the load is acknowledged, mid-stream.
	deadline := time.Now().Add(60 * time.Second)
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 30*size || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	s.cmd.Process.Signal(syscall.SIGKILL)
	cancel()
	wg.Wait()
	<-s.done
	s.done <- nil
	if len(acked) == 0 {
		t.Fatalf("nothing was acknowledged before the kill:\n%s", s.logs)
	}

	s2 := start(t, dbPath)
	missing := 0
	for i := 0; i < len(acked); i += 60 {
		chunk := acked[i:min(i+60, len(acked))]
		q := url.Values{"filter": {`id in ["` + strings.Join(chunk, `", "`) + `"]`}, "limit": {"500"}, "fields": {"name"}}
		res, err := http.Get(s2.base + "/api/records/account?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		var page struct{ Items []map[string]any }
		json.NewDecoder(res.Body).Decode(&page)
		res.Body.Close()
		missing += len(chunk) - len(page.Items)
	}
	if missing > 0 {
		t.Fatalf("%d of %d acknowledged records lost after SIGKILL", missing, len(acked))
	}
	t.Logf("%d acknowledged records all present after SIGKILL and restart", len(acked))
}

func TestDemoData(t *testing.T) {
	store := "sqlite:" + filepath.Join(t.TempDir(), "m.db")
	demoCmd := func(args ...string) *exec.Cmd {
		cmd := exec.Command(binary, append([]string{"demo"}, args...)...)
		cmd.Env = append(os.Environ(), "MORPH_ADMIN_EMAIL="+adminEmail, "MORPH_ADMIN_PASSWORD="+adminPassword)
		return cmd
	}
	out, err := demoCmd("--store", store, "--records", "40", "--seed", "3").CombinedOutput()
	if err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	s := start(t, store)
	for entity, least := range map[string]int{"account": 40, "contact": 40, "opportunity": 1, "activity": 40, "product": 1} {
		res, err := http.Get(s.base + "/api/records/" + entity + "?count=true&limit=1")
		if err != nil {
			t.Fatal(err)
		}
		var page struct{ Total int }
		json.NewDecoder(res.Body).Decode(&page)
		res.Body.Close()
		if page.Total < least {
			t.Errorf("%s: %d records, want at least %d", entity, page.Total, least)
		}
	}
	// The example company's people: every password shown once, never a
	// fixed one; a rep sees only their own accounts, customers' phones
	// masked, and may not delete them.
	passwords := map[string]string{}
	for _, m := range regexp.MustCompile(`demo user created.* email=(\S+) .*password=(\S+)`).FindAllStringSubmatch(string(out), -1) {
		passwords[m[1]] = m[2]
	}
	if len(passwords) != 10 {
		t.Fatalf("%d demo passwords shown, want 10:\n%s", len(passwords), out)
	}
	repGet := func(token, path string) (int, map[string]any) {
		req, _ := http.NewRequest("GET", s.base+path, nil)
		if token != "" { // else the administrator's, added by the tests' transport
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var m map[string]any
		json.NewDecoder(res.Body).Decode(&m)
		return res.StatusCode, m
	}
	b, _ := json.Marshal(map[string]string{"email": "li.rep@example.com", "password": passwords["li.rep@example.com"]})
	res, err := http.Post(s.base+"/api/auth/login", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	var login struct {
		Token string
		User  struct{ ID string }
	}
	json.NewDecoder(res.Body).Decode(&login)
	res.Body.Close()
	if login.Token == "" {
		t.Fatalf("the rep cannot sign in: %d", res.StatusCode)
	}
	_, all := repGet("", "/api/records/account?count=true&limit=1")
	status, mine := repGet(login.Token, "/api/records/account?count=true&limit=100")
	items, _ := mine["items"].([]any)
	if total, _ := mine["total"].(float64); status != 200 || len(items) == 0 || total >= all["total"].(float64) {
		t.Fatalf("the rep's accounts: %d %v of %v", status, mine["total"], all["total"])
	}
	for _, it := range items {
		a := it.(map[string]any)
		if a["owner"] != login.User.ID {
			t.Fatalf("the rep sees an account of %v", a["owner"])
		}
		if p, ok := a["phone"].(string); ok && !strings.Contains(p, "***") {
			t.Fatalf("the rep sees a phone unmasked: %s", p)
		}
		if _, ok := a["annual_revenue"]; ok {
			t.Fatal("the rep sees annual revenue")
		}
	}

	// The same seed loads the same records: a second store has the same ids.
	store2 := "sqlite:" + filepath.Join(t.TempDir(), "m2.db")
	if out, err := demoCmd("--store", store2, "--records", "40", "--seed", "3").CombinedOutput(); err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	s2 := start(t, store2)
	first := func(base string) string {
		res, err := http.Get(base + "/api/records/contact?sort=id&limit=5&fields=name,mobile")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return string(b)
	}
	if a, b := first(s.base), first(s2.base); a != b {
		t.Fatalf("the same seed gave different data:\n%s\n%s", a, b)
	}
}

// A backup taken while the server runs holds the records it had, and a
// server started on the copy serves them.
func TestBackupWhileServing(t *testing.T) {
	dir := t.TempDir()
	store := "sqlite:" + filepath.Join(dir, "m.db")
	s := start(t, store)
	status, out, err := s.post("/api/records/account", map[string]any{"name": "备份测试有限公司", "region": "华东"})
	if err != nil || status != 201 {
		t.Fatalf("create: %d %s %v", status, out, err)
	}
	var created struct{ ID string }
	json.Unmarshal(out, &created)

	dest := filepath.Join(dir, "copy.db")
	if out, err := exec.Command(binary, "backup", "--store", store, "--to", dest).CombinedOutput(); err != nil {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	if out, err := exec.Command(binary, "backup", "--store", store, "--to", dest).CombinedOutput(); err == nil || !strings.Contains(string(out), "already exists") {
		t.Fatalf("a backup over an existing file: %v\n%s", err, out)
	}
	if out, err := exec.Command(binary, "backup", "--store", "mongodb://127.0.0.1:1/x").CombinedOutput(); err == nil || !strings.Contains(string(out), "mongodump") {
		t.Fatalf("a backup of MongoDB: %v\n%s", err, out)
	}

	c := start(t, "sqlite:"+dest)
	res, err := http.Get(c.base + "/api/records/account/" + created.ID)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(b), "备份测试有限公司") {
		t.Fatalf("the record in the copy: %d %s", res.StatusCode, b)
	}
}

// A bulk request with an Idempotency-Key whose server is killed while it
// runs does not block its key: after a restart a retry completes once the
// dead request's claim has lapsed, and the records are there once each,
// whether the killed request stored all of them or none.
func TestIdempotencyKeyAfterCrash(t *testing.T) {
	const timeout = 4 * time.Second // the claim's lease: 4 s + 1 s + 1 s
	for run, delay := range []time.Duration{50 * time.Millisecond, 150 * time.Millisecond, 250 * time.Millisecond} {
		t.Run(delay.String(), func(t *testing.T) {
			dbPath := "sqlite:" + filepath.Join(t.TempDir(), "m.db")
			s := start(t, dbPath, "--request-timeout", timeout.String())
			prefix := fmt.Sprintf("幂等崩溃%d-", run)
			items := make([]map[string]any, 1000)
			for i := range items {
				items[i] = map[string]any{"name": fmt.Sprintf("%s%04d", prefix, i), "region": "华北"}
			}
			body, _ := json.Marshal(map[string]any{"key": "name", "items": items})
			send := func(base string) (*http.Response, []byte, error) {
				req, _ := http.NewRequest("POST", base+"/api/records/account/bulk", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Idempotency-Key", "bulk-after-crash")
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					return nil, nil, err
				}
				defer res.Body.Close()
				out, err := io.ReadAll(res.Body)
				return res, out, err
			}
			go send(s.base)
			time.Sleep(delay)
			s.cmd.Process.Signal(syscall.SIGKILL)
			<-s.done
			s.done <- nil

			s2 := start(t, dbPath, "--request-timeout", timeout.String())
			stored := count(t, s2.base, prefix)
			if stored != 0 && stored != len(items) {
				t.Fatalf("%d of %d records stored by the killed bulk: it is one transaction", stored, len(items))
			}
			deadline := time.Now().Add(3 * timeout)
			busy := 0
			for {
				res, out, err := send(s2.base)
				if err != nil {
					t.Fatal(err)
				}
				if res.StatusCode == 200 {
					if !strings.Contains(string(out), `"succeeded":1000`) {
						t.Fatalf("retry: %s", out)
					}
					break
				}
				wait, _ := strconv.Atoi(res.Header.Get("Retry-After"))
				if res.StatusCode != 409 || wait < 1 || time.Now().After(deadline) {
					t.Fatalf("retry after the crash (%d stored, %d busy answers): %d Retry-After %q %s",
						stored, busy, res.StatusCode, res.Header.Get("Retry-After"), out)
				}
				busy++
				time.Sleep(time.Duration(wait) * time.Second)
			}
			if n := count(t, s2.base, prefix); n != len(items) {
				t.Fatalf("%d records after the retry, want %d (%d stored before it)", n, len(items), stored)
			}
			t.Logf("%d records stored before the retry; %d busy answers before it completed", stored, busy)
		})
	}
}

// count is how many accounts have a name starting with prefix.
func count(t *testing.T, base, prefix string) int {
	t.Helper()
	q := url.Values{"filter": {`name startsWith "` + prefix + `"`}, "count": {"true"}, "limit": {"1"}}
	res, err := http.Get(base + "/api/records/account?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var page struct{ Total int }
	if err := json.NewDecoder(res.Body).Decode(&page); err != nil {
		t.Fatal(err)
	}
	return page.Total
}

// On a disk that fills up, writes are answered 507 storage_full and
// /healthz says so; once space is freed writes succeed again, and every
// record acknowledged before is there, also after a crash and restart.
func TestDiskFull(t *testing.T) {
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small tmpfs to fill (needs root): %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", dir).Run() })
	dbPath := "sqlite:" + filepath.Join(dir, "m.db")
	s := start(t, dbPath)

	var acked []string
	post := func(n int) (int, []byte) {
		items := make([]map[string]any, n)
		ids := make([]string, n)
		for i := range items {
			ids[i] = uuid.Must(uuid.NewV7()).String()
			items[i] = map[string]any{"id": ids[i], "name": "满盘测试" + ids[i], "region": "华东", "notes": strings.Repeat("备注", 500)}
		}
		st, body, err := s.post("/api/records/account/bulk", map[string]any{"items": items})
		if err != nil {
			t.Fatal(err)
		}
		if st == 200 {
			var res struct{ Items []struct{ Status int } }
			json.Unmarshal(body, &res)
			for i, it := range res.Items {
				if it.Status == 201 {
					acked = append(acked, ids[i])
				}
			}
		}
		return st, body
	}
	if st, body := post(100); st != 200 {
		t.Fatalf("bulk: %d %s", st, body)
	}
	ballast := filepath.Join(dir, "ballast")
	fill(t, ballast)
	var status int
	var body []byte
	for i := 0; i < 2000; i++ {
		if status, body = post(20); status != 200 {
			break
		}
	}
	if status != 507 || !strings.Contains(string(body), `"code":"storage_full"`) {
		t.Fatalf("a write on a full disk: %d %s", status, body)
	}
	if st, out := get(t, s.base+"/healthz"); st != 503 || !strings.Contains(out, `"storage_full"`) {
		t.Fatalf("/healthz on a full disk: %d %s", st, out)
	}
	if err := os.Remove(ballast); err != nil {
		t.Fatal(err)
	}
	if st, body := post(20); st != 200 || !strings.Contains(string(body), `"succeeded":20`) {
		t.Fatalf("a write once space is freed: %d %s", st, body)
	}
	if st, out := get(t, s.base+"/healthz"); st != 200 {
		t.Fatalf("/healthz once a write succeeded again: %d %s", st, out)
	}
	s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.done
	s.done <- nil
	s2 := start(t, dbPath)
	for i := 0; i < len(acked); i += 60 {
		chunk := acked[i:min(i+60, len(acked))]
		q := url.Values{"filter": {`id in ["` + strings.Join(chunk, `", "`) + `"]`}, "limit": {"500"}, "fields": {"name"}}
		st, out := get(t, s2.base+"/api/records/account?"+q.Encode())
		var page struct{ Items []map[string]any }
		json.Unmarshal([]byte(out), &page)
		if st != 200 || len(page.Items) != len(chunk) {
			t.Fatalf("%d of %d acknowledged records after the disk was full and the server restarted: %d", len(page.Items), len(chunk), st)
		}
	}
	t.Logf("%d acknowledged records all present", len(acked))
}

// fill writes path until the disk has no space left.
func fill(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := bytes.Repeat([]byte{'x'}, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			if errors.Is(err, syscall.ENOSPC) {
				return
			}
			t.Fatal(err)
		}
	}
}

func get(t *testing.T, u string) (int, string) {
	t.Helper()
	res, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}
