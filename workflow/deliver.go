package workflow

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/smtp"
	"net/url"
	"strings"
	"time"

	"github.com/morphcrm/morph"
	"github.com/morphcrm/morph/engine"
	"github.com/morphcrm/morph/engine/defdoc"
	"github.com/morphcrm/morph/engine/query"
	"github.com/morphcrm/morph/engine/store"
)

// queueDelivery puts a webhook call or an e-mail into the outbox under id
// (made from the item's: an item run again never queues it twice).
func (s *Service) queueDelivery(ctx context.Context, id string, d map[string]any) (any, error) {
	now := engine.FormatTime(s.opts.Now())
	d["status"], d["next_at"], d["created_at"], d["attempts"] = statusPending, now, now, float64(0)
	err := s.st.Insert(ctx, collOutbox, store.Record{ID: id, Version: 1, Data: d})
	if err != nil && !errors.Is(err, store.ErrDuplicateID) {
		return nil, err
	}
	return map[string]any{"delivery": id}, nil
}

// deliverDue claims the due deliveries and makes them: a webhook call that
// answers 2xx, or an e-mail the SMTP server accepted, is done; a failure is
// tried again with exponential back-off, and after MaxAttempts the delivery
// is dead (listed by Deliveries, sent again by Redeliver).
func (s *Service) deliverDue(ctx context.Context) (int, error) {
	recs, err := s.claimDue(ctx, collOutbox, 16)
	if err != nil {
		return len(recs), err
	}
	for _, r := range recs {
		derr := s.deliver(ctx, r)
		attempts := 1
		if v, ok := r.Data["attempts"].(float64); ok {
			attempts = int(v) + 1
		}
		set := map[string]any{"attempts": float64(attempts), "last_at": engine.FormatTime(s.opts.Now())}
		switch {
		case derr == nil:
			set["status"], set["last_error"] = statusDone, nil
		case attempts >= s.opts.MaxAttempts:
			set["status"], set["last_error"] = statusDead, truncate(derr.Error(), 1000)
		default:
			set["status"], set["last_error"] = statusPending, truncate(derr.Error(), 1000)
			set["next_at"] = engine.FormatTime(s.opts.Now().Add(backoff(attempts - 1)))
		}
		if derr != nil {
			s.log.Warn("workflow: delivery failed", "delivery", r.ID, "attempt", attempts, "err", derr)
		}
		if _, err := s.save(ctx, collOutbox, &r, set); err != nil {
			return len(recs), err
		}
	}
	return len(recs), nil
}

func (s *Service) deliver(ctx context.Context, r store.Record) error {
	kind, _ := r.Data["kind"].(string)
	switch kind {
	case ActWebhook:
		return s.callWebhook(ctx, r)
	case ActEmail:
		return s.sendEmail(ctx, r)
	}
	return fmt.Errorf("unknown delivery kind %q", kind)
}

// Sign is the X-Morph-Signature of a webhook body: "sha256=" and the hex
// HMAC-SHA256 of the body with the rule's secret. Receivers compare it in
// constant time (hmac.Equal).
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// callWebhook POSTs the body, signed with the secret of the rule's action
// as it is now (the secret is never copied into the outbox).
func (s *Service) callWebhook(ctx context.Context, r store.Record) error {
	rule, _ := r.Data["rule"].(string)
	u, _ := r.Data["url"].(string)
	body, _ := r.Data["body"].(string)
	secret := ""
	if rl := s.current().byName[rule]; rl != nil {
		for _, a := range rl.Actions {
			if a.Type == ActWebhook && a.URL == u {
				secret = a.Secret
			}
		}
	}
	cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(cctx, http.MethodPost, u, bytes.NewReader([]byte(body)))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Morph-Webhook/1")
	req.Header.Set("X-Morph-Delivery", r.ID)
	if secret != "" {
		req.Header.Set("X-Morph-Signature", Sign(secret, []byte(body)))
	}
	res, err := s.opts.HTTPClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return fmt.Errorf("the receiver answered %s", res.Status)
	}
	return nil
}

// smtpConfig is MORPH_SMTP_URL read: smtp://user:pass@host:port?from=addr.
type smtpConfig struct {
	addr, host, user, pass, from string
}

func parseSMTP(raw string) (smtpConfig, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "smtp" || u.Host == "" {
		return smtpConfig{}, errors.New("MORPH_SMTP_URL must look like smtp://user:pass@host:port?from=addr")
	}
	c := smtpConfig{addr: u.Host, host: u.Hostname(), from: u.Query().Get("from")}
	if u.Port() == "" {
		c.addr = net.JoinHostPort(c.host, "25")
	}
	if u.User != nil {
		c.user = u.User.Username()
		c.pass, _ = u.User.Password()
	}
	if c.from == "" {
		return smtpConfig{}, errors.New("MORPH_SMTP_URL needs ?from=<sender address>")
	}
	return c, nil
}

// CheckSMTPURL reports what is wrong with an SMTP URL ("" is fine: no
// e-mail), for the server to refuse at start.
func CheckSMTPURL(raw string) error {
	if raw == "" {
		return nil
	}
	_, err := parseSMTP(raw)
	return err
}

func (s *Service) sendEmail(ctx context.Context, r store.Record) error {
	if s.opts.SMTPURL == "" {
		return errors.New("no SMTP server is configured (MORPH_SMTP_URL)")
	}
	c, err := parseSMTP(s.opts.SMTPURL)
	if err != nil {
		return err
	}
	var to []string
	if list, ok := r.Data["to"].([]any); ok {
		for _, t := range list {
			if a, ok := t.(string); ok && !strings.ContainsAny(a, "\r\n<>") {
				to = append(to, a)
			}
		}
	}
	if len(to) == 0 {
		return errors.New("the e-mail has no recipient")
	}
	subject, _ := r.Data["subject"].(string)
	body, _ := r.Data["body"].(string)
	var msg bytes.Buffer
	fmt.Fprintf(&msg, "From: %s\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%s@morph>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n",
		c.from, strings.Join(to, ", "), mime.QEncoding.Encode("utf-8", strings.NewReplacer("\r", " ", "\n", " ").Replace(subject)), r.ID)
	msg.WriteString(strings.ReplaceAll(strings.ReplaceAll(body, "\r\n", "\n"), "\n", "\r\n"))
	var auth smtp.Auth
	if c.user != "" {
		auth = smtp.PlainAuth("", c.user, c.pass, c.host)
	}
	done := make(chan error, 1)
	go func() { done <- smtp.SendMail(c.addr, auth, c.from, to, msg.Bytes()) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(30 * time.Second):
		return errors.New("the SMTP server did not answer in 30 s")
	}
}

// Deliveries pages a rule's webhook calls and e-mails, newest first; status
// (pending, running, done, dead) narrows them (administrators only).
func (s *Service) Deliveries(ctx context.Context, actor engine.Actor, rule, status, after string, limit int) (RunPage, error) {
	if !actor.IsAdmin() {
		return RunPage{}, errAdminOnly()
	}
	filter := query.Expr(query.Cmp{Field: "rule", Op: query.Eq, Value: rule})
	switch status {
	case "":
	case statusPending, statusRunning, statusDone, statusDead:
		filter = query.AndOf(filter, query.Cmp{Field: "status", Op: query.Eq, Value: status})
	default:
		return RunPage{}, morph.Invalid(defdoc.FieldErr("status", "enum", morph.T("status is one of pending, running, done, dead", "status 只能是 pending、running、done、dead 之一")))
	}
	// The log is ordered by creation time.
	p, err := s.page(ctx, collOutbox, "created_at", true, filter, after, limit)
	if err != nil {
		return RunPage{}, err
	}
	for _, it := range p.Items {
		delete(it, "claimed_by")
	}
	return p, nil
}

// Redeliver puts a delivery of the rule back in the queue, due now, with
// its attempts counted from zero (administrators only).
func (s *Service) Redeliver(ctx context.Context, actor engine.Actor, rule, id string) error {
	if !actor.IsAdmin() {
		return errAdminOnly()
	}
	for range 5 {
		rec, err := s.st.Get(ctx, collOutbox, id)
		if errors.Is(err, store.ErrNotFound) || err == nil && rec.Data["rule"] != rule {
			return morph.Errorf(morph.ENotFound, "Delivery not found", "投递记录不存在")
		}
		if err != nil {
			return err
		}
		if rec.Data["status"] == statusRunning {
			return morph.Errorf(morph.EConflict, "The delivery is being made now", "该投递正在进行")
		}
		ok, err := s.save(ctx, collOutbox, &rec, map[string]any{"status": statusPending, "attempts": float64(0),
			"next_at": engine.FormatTime(s.opts.Now())})
		if err != nil || ok {
			s.poke()
			return err
		}
	}
	return morph.Errorf(morph.EConflict, "The delivery is being changed; try again", "投递记录正在被修改，请重试")
}
