package api

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// forwardedFor is the header a reverse proxy adds the address of the
// client it serves to.
const forwardedFor = "X-Forwarded-For"

// maxForwardHops bounds how many addresses of X-Forwarded-For are read,
// right to left.
const maxForwardHops = 16

// ParseProxies reads a list of trusted proxies: addresses and networks
// (CIDR), separated by commas or spaces, such as "127.0.0.1, 10.0.0.0/8".
func ParseProxies(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == ' ' }) {
		if strings.Contains(f, "/") {
			p, err := netip.ParsePrefix(f)
			if err != nil {
				return nil, fmt.Errorf("trusted proxy %q: not an address or network (CIDR)", f)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q: not an address or network (CIDR)", f)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// clientAddr is the address a request came from, as sign-in throttling,
// sessions and the audit log know it. It is the connection's peer, unless
// the peer is a trusted proxy (Options.TrustedProxies): then it is the
// right-most address of X-Forwarded-For that is not a trusted proxy
// itself. The addresses left of it are what the client claims, which
// anyone can make up, so they are never taken.
func (s *Server) clientAddr(c *fiber.Ctx) string {
	peer, ok := netip.AddrFromSlice(c.Context().RemoteIP())
	if !ok {
		return strings.Clone(c.IP())
	}
	peer = peer.Unmap()
	if len(s.opts.TrustedProxies) == 0 || !s.trusted(peer) {
		return peer.String()
	}
	client := peer
	hops := c.Request().Header.PeekAll(forwardedFor)
	// Several X-Forwarded-For headers are one list, in their order.
	for i, n := len(hops)-1, 0; i >= 0; i-- {
		list := string(hops[i])
		for list != "" && n < maxForwardHops {
			j := strings.LastIndexByte(list, ',')
			hop := strings.TrimSpace(list[j+1:])
			list = list[:max(j, 0)]
			n++
			if hop == "" {
				continue
			}
			a, err := netip.ParseAddr(hop)
			if err != nil { // some proxies add the client's port
				var ap netip.AddrPort
				ap, err = netip.ParseAddrPort(hop)
				a = ap.Addr()
			}
			if err != nil {
				// Not written by a proxy we trust: the hop to its right
				// is where the request came from.
				return client.String()
			}
			client = a.Unmap()
			if !s.trusted(client) {
				return client.String()
			}
		}
	}
	return client.String()
}

func (s *Server) trusted(a netip.Addr) bool {
	for _, p := range s.opts.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
