package api_test

import (
	"io"
	"log/slog"
	"net/url"
	"strings"
	"sync/atomic"

	"github.com/gofiber/fiber/v2"

	"github.com/morphcrm/morph/api"
	"github.com/morphcrm/morph/engine"
)

func urlq(s string) string { return url.QueryEscape(s) }

var createSeq atomic.Int64

func stringsReader(s string) io.Reader { return strings.NewReader(s) }

func apiNew(eng *engine.Engine) *fiber.App {
	return api.New(eng, api.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
}
