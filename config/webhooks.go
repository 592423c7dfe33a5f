package config

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/ccflow/ccflow/codec"
	"github.com/ccflow/ccflow/core/durations"
	"github.com/ccflow/ccflow/core/webhook"
)

// Webhooks are the settings of webhooks (events out).
type Webhooks struct {
	// Allow is CCFLOW_WEBHOOK_ALLOW: hosts and networks subscriptions may
	// reach although they are internal, by http too.
	Allow webhook.Allow
	// Retry is the deliveries' schedule: webhook.DefaultRetry unless
	// CCFLOW_WEBHOOK_FIRST_RETRY, CCFLOW_WEBHOOK_MAX_RETRY_WAIT,
	// CCFLOW_WEBHOOK_RETRY_FOR or CCFLOW_WEBHOOK_TIMEOUT change it (for
	// tests and drills: production keeps the defaults).
	Retry webhook.Retry
}

// loadWebhooks reads CCFLOW_WEBHOOK_*.
func loadWebhooks() (Webhooks, error) {
	var w Webhooks
	var errs []error
	allow, err := webhook.ParseAllow(os.Getenv("CCFLOW_WEBHOOK_ALLOW"))
	if err != nil {
		errs = append(errs, fmt.Errorf("CCFLOW_WEBHOOK_ALLOW: %w (write hosts, addresses and networks separated by commas, e.g. 127.0.0.1,10.0.0.0/8)", err))
	}
	w.Allow = allow
	w.Retry = webhook.DefaultRetry
	for _, v := range []struct {
		name string
		to   *time.Duration
	}{
		{"CCFLOW_WEBHOOK_FIRST_RETRY", &w.Retry.First},
		{"CCFLOW_WEBHOOK_MAX_RETRY_WAIT", &w.Retry.Max},
		{"CCFLOW_WEBHOOK_RETRY_FOR", &w.Retry.For},
		{"CCFLOW_WEBHOOK_TIMEOUT", &w.Retry.Timeout},
	} {
		text := strings.TrimSpace(os.Getenv(v.name))
		if text == "" {
			continue
		}
		d, err := durations.Parse(text)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", v.name, err))
			continue
		}
		*v.to = d
	}
	if len(errs) == 0 {
		if err := w.Retry.Check(); err != nil {
			errs = append(errs, fmt.Errorf("CCFLOW_WEBHOOK_*: %w", err))
		}
	}
	return w, errors.Join(errs...)
}

// WebhookSealer is what seals the subscriptions' signing secrets: keys
// derived from CCFLOW_PAYLOAD_KEYS when it is set (the first seals), then
// a key derived from a secret the store keeps, which seals when there are
// no payload keys and opens what it sealed once there are. Every starter
// and worker derives the same keys, so any of them opens any secret; a
// worker seals again, at start, what an older key sealed.
func (c Config) WebhookSealer(ctx context.Context, secrets Secrets) (*webhook.Sealer, error) {
	var keys []webhook.SealKey
	if v := strings.TrimSpace(c.payloadKeysValue); v != "" && v != PayloadKeysNone {
		list, err := codec.ParseKeyList(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", PayloadKeysVar, err)
		}
		for _, k := range list {
			sk, err := webhook.DeriveSealKey("payload-"+k.ID, k.Secret)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", PayloadKeysVar, err)
			}
			keys = append(keys, sk)
		}
	}
	stored, err := secrets.Secret(ctx, webhook.StoreKeyName)
	if err != nil {
		return nil, fmt.Errorf("reading the key of webhook secrets %q from the database: %w", webhook.StoreKeyName, err)
	}
	sk, err := webhook.DeriveSealKey(webhook.StoreKeyID, stored)
	if err != nil {
		return nil, err
	}
	return webhook.NewSealer(append(keys, sk)...)
}
