//go:build integration

package store_test

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/webhook"
	"github.com/ccflow/ccflow/internal/testenv"
	"github.com/ccflow/ccflow/store"
)

// BenchmarkTheSendGapWithAWebhook is the send gap's write (MarkDelivered)
// with nobody subscribed to message.status (the reference, as
// BenchmarkTheSendGap) and with a subscription, which writes the event and
// its delivery in the same statement.
//
//	go test -tags integration -run '^$' -bench TheSendGapWithAWebhook ./store
func BenchmarkTheSendGapWithAWebhook(b *testing.B) {
	for _, subscribed := range []bool{false, true} {
		b.Run(fmt.Sprintf("message.status subscribed=%t", subscribed), func(b *testing.B) {
			st := testenv.Store(b)
			ctx := context.Background()
			if subscribed {
				_, err := st.CreateWebhookSubscription(ctx, store.WebhookSubscription{ID: "wh_b", URL: "https://crm.example.com/h",
					Events: []string{webhook.MessageStatus}, Secret: "v1:db:x"}, 50)
				require.NoError(b, err)
			}
			keys := make([]string, b.N)
			for i := range keys {
				keys[i] = fmt.Sprintf("k%d", i)
				_, err := st.DecideSend(ctx, attempt(keys[i], "a", noon), decide)
				require.NoError(b, err)
			}
			took := make([]time.Duration, b.N)
			b.ResetTimer()
			for i := range b.N {
				start := time.Now()
				_, err := st.MarkDelivered(ctx, keys[i], "SM1")
				took[i] = time.Since(start)
				require.NoError(b, err)
			}
			b.StopTimer()
			sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
			b.ReportMetric(float64(took[len(took)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(took[len(took)*99/100].Microseconds()), "p99-µs")
			b.ReportMetric(float64(took[len(took)-1].Microseconds()), "max-µs")
		})
	}
}
