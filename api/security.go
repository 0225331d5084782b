package api

import "github.com/gofiber/fiber/v2"

// contentSecurityPolicy suits the embedded UI: everything from the server
// itself, nothing from elsewhere (no CDN, no web fonts, no outside calls),
// inline style attributes only (the UI's components set them), no plug-ins,
// and no framing by other sites. Images may also be data: and blob: URLs
// (previews of uploads, charts exported as images).
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; object-src 'none'; " +
	"base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

// securityHeaders sets the headers that tell a browser how to treat every
// response, API answers, errors and UI files alike: its content policy, no
// guessing of media types, no referrer sent to other sites, and no framing
// (X-Frame-Options for browsers that predate frame-ancestors).
func securityHeaders(c *fiber.Ctx) error {
	setSecurityHeaders(c)
	return c.Next()
}

// setSecurityHeaders sets them; the error handler does too, for the
// requests refused before any route runs (a header too large, a malformed
// request).
func setSecurityHeaders(c *fiber.Ctx) {
	h := &c.Response().Header
	h.Set(fiber.HeaderContentSecurityPolicy, contentSecurityPolicy)
	h.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	h.Set(fiber.HeaderReferrerPolicy, "same-origin")
	h.Set(fiber.HeaderXFrameOptions, "DENY")
}
