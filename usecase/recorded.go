package usecase

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/proto"

	"github.com/ccflow/ccflow/core/interaction"
	"github.com/ccflow/ccflow/store"
)

// Recorded interactions. Ingest keeps every ended interaction it takes
// for real (not a dry run) in the store for the retention period, so that
// a simulation can replay a period of them through a draft entry. With
// payload keys the event is kept as the Temporal payload PayloadConverter
// makes of it, sealed as histories are; without, as JSON in clear. A
// starter whose background work runs writes them in batches, after the
// event's answer, so an ingest waits for no statement more; one that
// stopped mid-batch loses the events of that batch (a simulation's source,
// not a record anything else needs).

const (
	// recordLinger is how long a kept interaction waits for others to
	// share its statement.
	recordLinger = 50 * time.Millisecond
	// recordBatch is the most interactions one statement keeps.
	recordBatch = 500
)

// keepInteraction keeps ev, which ended or arrived at, for simulations:
// through the batch writer when the background work runs, else at once. A
// failure is only logged: the event's run does not depend on it.
func (s *Service) keepInteraction(ctx context.Context, ev interaction.Event, arrived time.Time) {
	kept := keptEvent{event: ev, arrived: arrived}
	if s.bg.recorded != nil {
		select {
		case s.bg.recorded <- kept:
			return
		default: // the writer is behind: write this one here
		}
	}
	s.writeKept(context.WithoutCancel(ctx), []keptEvent{kept})
}

// KeepInteractions keeps events for simulations as ingest keeps each
// event it takes (sealed alike), in one statement: for a tool that loads a
// history of interactions ccflow did not receive itself (a benchmark, a
// migration). An event without ended_at ended at arrived.
func (s *Service) KeepInteractions(ctx context.Context, events []interaction.Event, arrived time.Time) error {
	rows := make([]store.RecordedInteraction, 0, len(events))
	for _, ev := range events {
		if err := ev.Validate(); err != nil {
			return err
		}
		row, err := s.recorded(keptEvent{event: ev, arrived: arrived})
		if err != nil {
			return err
		}
		rows = append(rows, row)
	}
	return classify(s.Store.RecordInteractions(ctx, rows))
}

// keptEvent is an event on its way to the store.
type keptEvent struct {
	event   interaction.Event
	arrived time.Time
}

// recordInBatches writes the interactions handed to keepInteraction,
// gathering for up to recordLinger those that arrive together, until ctx
// ends and what is queued is written.
func (s *Service) recordInBatches(ctx context.Context) {
	for {
		var batch []keptEvent
		select {
		case k := <-s.bg.recorded:
			batch = append(batch, k)
		case <-ctx.Done():
			for drained := false; !drained; {
				select {
				case k := <-s.bg.recorded:
					batch = append(batch, k)
				default:
					drained = true
				}
			}
			s.writeKept(context.WithoutCancel(ctx), batch)
			return
		}
		linger := time.NewTimer(recordLinger)
	gather:
		for len(batch) < recordBatch {
			select {
			case k := <-s.bg.recorded:
				batch = append(batch, k)
			case <-linger.C:
				break gather
			case <-ctx.Done():
				break gather
			}
		}
		linger.Stop()
		s.writeKept(context.WithoutCancel(ctx), batch)
	}
}

// writeKept seals and writes kept events in one statement.
func (s *Service) writeKept(ctx context.Context, batch []keptEvent) {
	if len(batch) == 0 {
		return
	}
	rows := make([]store.RecordedInteraction, 0, len(batch))
	for _, k := range batch {
		row, err := s.recorded(k)
		if err != nil {
			s.logger().WarnContext(ctx, "an ended interaction is not kept for simulations", slog.Any("error", err))
			continue
		}
		rows = append(rows, row)
	}
	ctx, cancel := context.WithTimeout(ctx, ingestTimeout)
	defer cancel()
	if err := s.Store.RecordInteractions(ctx, rows); err != nil {
		s.logger().WarnContext(ctx, "ended interactions are not kept for simulations", slog.Int("events", len(rows)), slog.Any("error", err))
	}
}

// recorded is the store's row of a kept event.
func (s *Service) recorded(k keptEvent) (store.RecordedInteraction, error) {
	sealed, err := s.sealEvent(k.event)
	if err != nil {
		return store.RecordedInteraction{}, err
	}
	ended := k.arrived
	if k.event.EndedAt != nil {
		ended = *k.event.EndedAt
	}
	return store.RecordedInteraction{InteractionID: k.event.InteractionID, CustomerID: customerID(k.event), EndedAt: ended, Event: sealed}, nil
}

// sealEvent encodes ev for the store: JSON in clear without payload keys;
// with them, the Temporal payload PayloadConverter makes of it (sealed, in
// protobuf's wire form).
func (s *Service) sealEvent(ev interaction.Event) ([]byte, error) {
	if s.PayloadConverter == nil {
		data, err := json.Marshal(ev)
		if err != nil {
			return nil, fmt.Errorf("encoding interaction %s: %w", ev.InteractionID, err)
		}
		return data, nil
	}
	p, err := s.PayloadConverter.ToPayload(ev)
	if err != nil {
		return nil, fmt.Errorf("sealing interaction %s: %w", ev.InteractionID, err)
	}
	data, err := proto.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("encoding interaction %s: %w", ev.InteractionID, err)
	}
	return data, nil
}

// openEvent decodes an event sealEvent encoded, sealed or in clear,
// whatever the starter's keys are now: one kept before the keys were set
// opens as it is.
func (s *Service) openEvent(data []byte) (interaction.Event, error) {
	var ev interaction.Event
	if len(data) > 0 && data[0] == '{' {
		if err := json.Unmarshal(data, &ev); err != nil {
			return interaction.Event{}, fmt.Errorf("decoding a recorded interaction: %w", err)
		}
		return ev, nil
	}
	var p commonpb.Payload
	if err := proto.Unmarshal(data, &p); err != nil {
		return interaction.Event{}, fmt.Errorf("decoding a recorded interaction: %w", err)
	}
	dc := s.PayloadConverter
	if dc == nil {
		dc = converter.GetDefaultDataConverter()
	}
	if err := dc.FromPayload(&p, &ev); err != nil {
		return interaction.Event{}, fmt.Errorf("opening a recorded interaction (sealed with payload keys this starter holds none of?): %w", err)
	}
	return ev, nil
}
