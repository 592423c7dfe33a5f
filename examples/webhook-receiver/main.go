// Command webhook-receiver is a small webhook receiver for trying ccflow's
// webhooks on one machine: it verifies each delivery's Standard Webhooks
// signature with the subscription's secret, prints it, and answers 204
// (401 to a delivery that does not verify).
//
//	go run ./examples/webhook-receiver -addr 127.0.0.1:9000 -secret whsec_…
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/ccflow/ccflow/core/webhook"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9000", "where to listen")
	secretText := flag.String("secret", os.Getenv("WEBHOOK_SECRET"), "the subscription's secret (whsec_…); default $WEBHOOK_SECRET")
	flag.Parse()
	secret, err := webhook.ParseSecret(*secretText)
	if err != nil {
		log.Fatalf("-secret: %v", err)
	}
	log.Printf("taking deliveries at http://%s/", *addr)
	srv := &http.Server{Addr: *addr, Handler: handler(secret, os.Stdout), ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.ListenAndServe())
}

// handler verifies each delivery with secret and prints it to out.
func handler(secret webhook.Secret, out io.Writer) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, "reading the body", http.StatusBadRequest)
			return
		}
		if err := webhook.Verify(secret, r.Header.Get, body, time.Now(), 5*time.Minute); err != nil {
			fmt.Fprintf(out, "refused %s: %v\n", r.Header.Get(webhook.HeaderID), err)
			http.Error(w, "signature not verified", http.StatusUnauthorized)
			return
		}
		fmt.Fprintf(out, "%s (verified)\n%s\n", r.Header.Get(webhook.HeaderID), body)
		w.WriteHeader(http.StatusNoContent)
	})
}
