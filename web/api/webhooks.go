package api

import (
	"net/http"
	"strconv"

	"github.com/ccflow/ccflow/usecase"
)

// The webhook subscriptions' endpoints: decode, one use case, encode.

// listWebhooks is GET /v1/webhooks.
func (s *server) listWebhooks(w http.ResponseWriter, r *http.Request) error {
	list, err := s.Service.Webhooks(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"webhooks": list})
	return nil
}

// createWebhook is POST /v1/webhooks: 201 with the secret, shown once.
func (s *server) createWebhook(w http.ResponseWriter, r *http.Request) error {
	var req usecase.WebhookRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	created, err := s.Service.CreateWebhook(r.Context(), req)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, created)
	return nil
}

// getWebhook is GET /v1/webhooks/{id}.
func (s *server) getWebhook(w http.ResponseWriter, r *http.Request) error {
	wh, err := s.Service.Webhook(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, wh)
	return nil
}

// deleteWebhook is DELETE /v1/webhooks/{id}.
func (s *server) deleteWebhook(w http.ResponseWriter, r *http.Request) error {
	if err := s.Service.DeleteWebhook(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// rotateWebhookSecret is POST /v1/webhooks/{id}/rotate-secret.
func (s *server) rotateWebhookSecret(w http.ResponseWriter, r *http.Request) error {
	rotated, err := s.Service.RotateWebhookSecret(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, rotated)
	return nil
}

// listWebhookDeliveries is GET /v1/webhooks/{id}/deliveries?limit=.
func (s *server) listWebhookDeliveries(w http.ResponseWriter, r *http.Request) error {
	limit := 0
	if text := r.URL.Query().Get("limit"); text != "" {
		n, err := strconv.Atoi(text)
		if err != nil {
			return errField("limit", "%q is not a whole number", text)
		}
		if limit = n; limit == 0 {
			return errField("limit", "must be between 1 and 200")
		}
	}
	list, err := s.Service.WebhookDeliveries(r.Context(), r.PathValue("id"), limit)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"deliveries": list})
	return nil
}
