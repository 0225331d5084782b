// Command interleave compares the create rate of morph builds on a shared,
// noisy machine: it starts each build's server (`serve`, a fresh embedded
// store, no demo data), signs in, and then loads them by turns — one slice
// of --slice with --c clients posting validated creates of accounts, as the
// bench does, to one server, then the next — for --rounds rounds, so that
// every build meets the same phases of the machine. It prints each build's
// creates per second over its slices and its server process's CPU time
// (from /proc/PID/stat, Linux) per create; the client's own CPU is not
// counted. A build without sign-in (404 on /api/auth/login) is loaded
// without a token. attach:ADDR:PID loads a server that is already running
// (signed in as ab@example.com).
//
//	go run ./tools/interleave [--rounds 12] bin/morph /path/to/other/morph
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

type server struct {
	bin, dir, addr string
	cmd            *exec.Cmd
	token          string
	owners         []string // the ids of the accounts' owners (names on a build without users)
	creates        int64
	cpu            float64 // seconds
	wall           time.Duration
}

// cpuOf is the user and system CPU time of process pid, in seconds.
func cpuOf(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+2:]))
	u, _ := strconv.ParseFloat(f[11], 64)
	s, _ := strconv.ParseFloat(f[12], 64)
	return (u + s) / 100, nil // clock ticks (USER_HZ)
}

const (
	email    = "ab@example.com"
	password = "Str0ng-Passw0rd!x"
)

func main() {
	rounds := flag.Int("rounds", 12, "rounds of one slice per build")
	slice := flag.Duration("slice", time.Second, "how long each build is loaded in a round")
	clients := flag.Int("c", 8, "concurrent clients")
	flag.Parse()
	var ss []*server
	err := run(&ss, flag.Args(), *rounds, *slice, *clients)
	for _, s := range ss { // the servers this started
		if s.dir != "" {
			s.cmd.Process.Kill()
			s.cmd.Wait()
			os.RemoveAll(s.dir)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "interleave:", err)
		os.Exit(1)
	}
	for _, s := range ss {
		fmt.Printf("%-22s creates/s %6.0f  CPU per create %4.0f us  (%d creates)\n", s.bin,
			float64(s.creates)/s.wall.Seconds(), s.cpu/float64(s.creates)*1e6, s.creates)
	}
}

func run(ss *[]*server, builds []string, rounds int, slice time.Duration, clients int) error {
	if len(builds) == 0 {
		return fmt.Errorf("name the morph binaries to compare")
	}
	for i, bin := range builds {
		if a, ok := strings.CutPrefix(bin, "attach:"); ok { // attach:ADDR:PID
			j := strings.LastIndexByte(a, ':')
			pid, _ := strconv.Atoi(a[j+1:])
			p, err := os.FindProcess(pid)
			if err != nil {
				return err
			}
			*ss = append(*ss, &server{bin: bin, addr: a[:j], cmd: &exec.Cmd{Process: p}})
			continue
		}
		dir, err := os.MkdirTemp("", "interleave")
		if err != nil {
			return err
		}
		s := &server{bin: bin, dir: dir, addr: fmt.Sprintf("127.0.0.1:%d", 18950+i)}
		args := []string{"serve", "--addr", s.addr, "--store", "sqlite:" + dir + "/m.db"}
		if out, _ := exec.Command(bin, "serve", "--help").CombinedOutput(); strings.Contains(string(out), "-demo") {
			args = append(args, "--demo", "0")
		}
		s.cmd = exec.Command(bin, args...)
		s.cmd.Env = append(os.Environ(), "MORPH_ADMIN_EMAIL="+email, "MORPH_ADMIN_PASSWORD="+password)
		if err := s.cmd.Start(); err != nil {
			os.RemoveAll(dir)
			return err
		}
		*ss = append(*ss, s)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 30 * time.Second}
	for _, s := range *ss {
		if err := signIn(client, s); err != nil {
			return err
		}
		if err := addOwners(client, s); err != nil {
			return err
		}
	}
	var n atomic.Int64
	post := func(s *server) error {
		k := n.Add(1)
		body := fmt.Sprintf(`{"name": "压测客户%d-%d", "region": "华东", "tier": "normal", "phone": "138 %04d %04d", "owner": %q}`,
			time.Now().UnixNano(), k, k%10000, (k/10000)%10000, s.owners[k%int64(len(s.owners))])
		req, err := http.NewRequest("POST", "http://"+s.addr+"/api/records/account", strings.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		if s.token != "" {
			req.Header.Set("Authorization", "Bearer "+s.token)
		}
		res, err := client.Do(req)
		if err != nil {
			return err
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusCreated {
			return fmt.Errorf("%s: POST account: status %d: %s", s.bin, res.StatusCode, b)
		}
		return nil
	}
	load := func(s *server, d time.Duration, count bool) error {
		c0, err := cpuOf(s.cmd.Process.Pid)
		if err != nil {
			return err
		}
		start := time.Now()
		var done atomic.Int64
		var wg sync.WaitGroup
		errs := make(chan error, clients)
		for range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for time.Since(start) < d {
					if err := post(s); err != nil {
						errs <- err
						return
					}
					done.Add(1)
				}
			}()
		}
		wg.Wait()
		close(errs)
		if err := <-errs; err != nil {
			return err
		}
		c1, err := cpuOf(s.cmd.Process.Pid)
		if err != nil {
			return err
		}
		if count {
			s.wall += time.Since(start)
			s.creates += done.Load()
			s.cpu += c1 - c0
		}
		return nil
	}
	for _, s := range *ss { // warm-up
		if err := load(s, 2*time.Second, false); err != nil {
			return err
		}
	}
	for r := range rounds {
		for i := range *ss {
			if err := load((*ss)[(r+i)%len(*ss)], slice, true); err != nil { // who goes first changes by round
				return err
			}
		}
	}
	return nil
}

// signIn waits for s to answer and signs in; a build without sign-in
// (404) is loaded without a token.
func signIn(client *http.Client, s *server) error {
	for i := 0; i < 300; i++ {
		res, err := client.Post("http://"+s.addr+"/api/auth/login", "application/json",
			strings.NewReader(`{"email":"`+email+`","password":"`+password+`"}`))
		if err == nil {
			var v struct{ Token string }
			json.NewDecoder(res.Body).Decode(&v)
			res.Body.Close()
			if res.StatusCode == http.StatusNotFound {
				return nil
			}
			if v.Token != "" {
				s.token = v.Token
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("%s: no sign-in at %s", s.bin, s.addr)
}

// addOwners makes the 50 users the accounts are given to, as an owner must
// be an active user; a build without users (no token) takes names.
func addOwners(client *http.Client, s *server) error {
	for i := range 50 {
		name := fmt.Sprintf("owner-%02d", i)
		if s.token == "" {
			s.owners = append(s.owners, name)
			continue
		}
		req, err := http.NewRequest("POST", "http://"+s.addr+"/api/users",
			strings.NewReader(`{"email": "`+name+`@example.com", "name": "`+name+`"}`))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+s.token)
		res, err := client.Do(req)
		if err != nil {
			return err
		}
		var u struct{ ID string }
		json.NewDecoder(res.Body).Decode(&u)
		res.Body.Close()
		if res.StatusCode != http.StatusCreated || u.ID == "" {
			return fmt.Errorf("%s: create user %s: status %d", s.bin, name, res.StatusCode)
		}
		s.owners = append(s.owners, u.ID)
	}
	return nil
}
