package api_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/morphcrm/morph/api"
)

// listen serves the API on a loopback port and returns its address.
func listen(t *testing.T, opts api.Options) string {
	t.Helper()
	app := api.New(newServer(t, "sqlite").eng, opts)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go app.Listener(ln)
	t.Cleanup(func() { app.Shutdown() })
	return ln.Addr().String()
}

// rawRequest writes raw bytes on a new connection and reads the response.
func rawRequest(t *testing.T, addr, raw string) (*http.Response, map[string]any) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, raw); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
		t.Fatalf("body is not the error shape: %v", err)
	}
	return res, body
}

// Errors of the connection itself (a request that stops half-way, headers
// too large) get their own status and the one error shape; an idle
// keep-alive connection is closed without one.
func TestConnectionErrors(t *testing.T) {
	addr := listen(t, api.Options{ReadTimeout: 300 * time.Millisecond, IdleTimeout: 300 * time.Millisecond})

	// Refused before any route runs, these carry the security headers too.
	secure := func(what string, res *http.Response) {
		t.Helper()
		if res.Header.Get("X-Content-Type-Options") != "nosniff" || res.Header.Get("X-Frame-Options") != "DENY" ||
			!strings.Contains(res.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
			t.Errorf("%s: no security headers: %v", what, res.Header)
		}
	}
	res, body := rawRequest(t, addr, "GET /api/entities HTTP/1.1\r\nHost: x\r\n")
	if res.StatusCode != 408 || body["code"] != "request_timeout" || body["status"] != 408.0 {
		t.Fatalf("half a request: %d %v", res.StatusCode, body)
	}
	secure("half a request", res)

	res, body = rawRequest(t, addr, "GET /api/entities?filter="+strings.Repeat("x", 20<<10)+" HTTP/1.1\r\nHost: x\r\n\r\n")
	if res.StatusCode != 431 || body["code"] != "headers_too_large" || !strings.Contains(body["message"].(string), "16 KiB") {
		t.Fatalf("headers too large: %d %v", res.StatusCode, body)
	}
	secure("headers too large", res)

	res, body = rawRequest(t, addr, "GARBAGE\r\n\r\n")
	if res.StatusCode != 400 {
		t.Fatalf("a malformed request line: %d %v", res.StatusCode, body)
	}
	secure("a malformed request line", res)

	// An idle keep-alive connection is closed without a response.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(conn)
	res, err = http.ReadResponse(br, nil)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", res, err)
	}
	io.Copy(io.Discard, res.Body)
	if rest, err := io.ReadAll(br); err != nil || len(rest) != 0 {
		t.Fatalf("after the idle timeout the connection got %q (%v)", rest, err)
	}
}
