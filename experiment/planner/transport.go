package planner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// retryTransport retries an OpenAI request on 429, 5xx and timeouts with
// exponential backoff and full jitter ("Exponential Backoff And Jitter",
// AWS Architecture Blog, 2015), honouring Retry-After (RFC 9110 §10.2.3:
// seconds or an HTTP date). go-openai has no retries and its errors carry
// no headers, so this sits below it as its HTTP client's transport. Each
// attempt has its own timeout; the caller's context bounds them all.
type retryTransport struct {
	next     http.RoundTripper
	timeout  time.Duration // one attempt
	attempts int           // in all, the first included
	base     time.Duration // first backoff
	maxWait  time.Duration // no single wait is longer
	seed     uint64
	// made counts the attempts of the current call (reset by the
	// planner before each call; read after it).
	made atomic.Int64
}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	rng := rand.New(rand.NewPCG(t.seed, uint64(time.Now().UnixNano())))
	var lastErr error
	for attempt := 0; attempt < t.attempts; attempt++ {
		if attempt > 0 && req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			req.Body = body
		}
		t.made.Add(1)
		ctx, cancel := context.WithTimeout(req.Context(), t.timeout)
		resp, err := t.next.RoundTrip(req.Clone(ctx))
		wait := time.Duration(0)
		switch {
		case err != nil:
			cancel()
			if req.Context().Err() != nil {
				return nil, req.Context().Err()
			}
			if !retryableErr(err) {
				return nil, err
			}
			lastErr = fmt.Errorf("attempt %d: %w", attempt+1, timeoutText(err, t.timeout))
		case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
			wait = retryAfter(resp.Header.Get("Retry-After"), time.Now())
			if attempt == t.attempts-1 {
				// The last answer goes up as it is, so go-openai can
				// decode the endpoint's error message.
				resp.Body = cancelOnClose{resp.Body, cancel}
				return resp, nil
			}
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
			resp.Body.Close()
			cancel()
			lastErr = fmt.Errorf("attempt %d: HTTP %d", attempt+1, resp.StatusCode)
		default:
			resp.Body = cancelOnClose{resp.Body, cancel}
			return resp, nil
		}
		if attempt == t.attempts-1 {
			break
		}
		if wait == 0 {
			// Full jitter: uniform in [0, base·2^attempt], at least a
			// tenth of it so a burst of retries still spreads out.
			ceil := t.base << attempt
			wait = ceil/10 + time.Duration(rng.Int64N(int64(ceil-ceil/10)+1))
		}
		wait = min(wait, t.maxWait)
		timer := time.NewTimer(wait)
		select {
		case <-req.Context().Done():
			timer.Stop()
			return nil, req.Context().Err()
		case <-timer.C:
		}
	}
	return nil, fmt.Errorf("%d attempts failed, the last: %w", t.attempts, lastErr)
}

// cancelOnClose ends an attempt's context when its body is closed: the
// body is read after RoundTrip returns.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}

func retryableErr(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || strings.Contains(err.Error(), "connection reset")
}

func timeoutText(err error, d time.Duration) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("no answer within %s (--llm-timeout)", d)
	}
	return err
}

// retryAfter reads a Retry-After header: delay-seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 {
		return time.Duration(s * float64(time.Second))
	}
	if at, err := http.ParseTime(v); err == nil && at.After(now) {
		return at.Sub(now)
	}
	return 0
}

// keyLike matches what API keys look like in the endpoints' error texts
// (OpenAI's 401 echoes "sk-abc***...wxyz"; bearer tokens in proxies' echoes).
var keyLike = regexp.MustCompile(`(?i)(sk-[A-Za-z0-9_\-*.]{3,}|bearer\s+[A-Za-z0-9_\-.=*]{8,})`)

// redact removes the key, its 8-character tail and anything key-like
// from a text that will be journaled, logged or printed.
func redact(text, key string) string {
	if key != "" {
		text = strings.ReplaceAll(text, key, "[redacted]")
		if len(key) >= 8 {
			text = strings.ReplaceAll(text, key[len(key)-8:], "[redacted]")
		}
	}
	return keyLike.ReplaceAllString(text, "[redacted]")
}
