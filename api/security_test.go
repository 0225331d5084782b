package api_test

import (
	"strings"
	"testing"
)

// Every response carries the security headers: API answers, errors (an
// unknown route, a wrong method, bad input), the OpenAPI document and the
// UI's pages.
func TestSecurityHeaders(t *testing.T) {
	s := newServer(t, "sqlite")
	for _, tc := range []struct{ method, path, body string }{
		{"GET", "/healthz", ""},
		{"GET", "/api/entities", ""},
		{"GET", "/api/openapi.json", ""},
		{"GET", "/api/records/nosuch", ""},
		{"PUT", "/api/records/nosuch/1", ""},
		{"POST", "/api/entities/x", "{"},
		{"PUT", "/api/entities/x", "{"},
		{"GET", "/", ""},
		{"GET", "/accounts/123", ""},
	} {
		r := s.do(tc.method, tc.path, tc.body)
		for name, want := range map[string]string{
			"X-Content-Type-Options": "nosniff",
			"Referrer-Policy":        "same-origin",
			"X-Frame-Options":        "DENY",
		} {
			if got := r.Header.Get(name); got != want {
				t.Errorf("%s %s (%d): %s %q, want %q", tc.method, tc.path, r.Status, name, got, want)
			}
		}
		csp := r.Header.Get("Content-Security-Policy")
		for _, part := range []string{"default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
			if !strings.Contains(csp, part) {
				t.Errorf("%s %s (%d): Content-Security-Policy %q lacks %q", tc.method, tc.path, r.Status, csp, part)
			}
		}
		if strings.Contains(csp, "unsafe-eval") || strings.Contains(csp, "script-src 'self' 'unsafe-inline'") {
			t.Errorf("%s %s: Content-Security-Policy allows scripts it should not: %q", tc.method, tc.path, csp)
		}
	}
}
