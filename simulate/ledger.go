package simulate

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/ccflow/ccflow/core/policy"
)

// History is what the store knows of recipients, read without writing:
// their opt-outs, the messages counted against them and their
// interactions. *usecase's adapter of store.ContactFacts is one.
type History interface {
	ContactFacts(ctx context.Context, q FactsQuery) (Facts, error)
}

// FactsQuery asks History about the recipients of a batch of runs.
type FactsQuery struct {
	// AddressHashes are every hash an opt-out of the addresses may be
	// kept under (policy.AddressHasher.Forms).
	AddressHashes []string
	// CustomerKeys are whom the sends count against (policy.CountedAs);
	// CustomerIDs the customers whose interactions are wanted.
	CustomerKeys []string
	CustomerIDs  []string
	// Since is the earliest decision of a send wanted.
	Since time.Time
}

// Facts is History's answer.
type Facts struct {
	OptOuts      []OptOut
	Sends        []Sent
	Interactions []Interaction
}

// OptOut is an opt-out of an address (by its hash) on a channel.
type OptOut struct {
	Channel     string
	AddressHash string
}

// Sent is a message the contact policy let go, as caps and the survey
// grace count it: its delivery key, run, whom it counts against, channel,
// entry, whether it was a survey's, and when it was decided.
type Sent struct {
	Key         string
	WorkflowID  string
	CustomerKey string
	Channel     string
	EntryID     string
	Survey      bool
	At          time.Time
}

// Interaction is an interaction of a customer and when it came.
type Interaction struct {
	CustomerID    string
	InteractionID string
	At            time.Time
}

// ledger holds what the contact policy decides a simulation's sends by:
// the store's facts about a batch's recipients, read once per batch (and
// for a recipient the batch did not name, when a send first needs it),
// and the simulation's own messages and interactions. It answers each
// send with the policy.Request that store.DecideSend would build from the
// store for a real send at that moment (see store's facts), except that
// it counts nothing decided after the moment and nothing of the real run
// the simulated one stands for.
type ledger struct {
	history  History
	policy   policy.Policy
	hasher   *policy.AddressHasher
	timeout  time.Duration
	window   time.Duration
	since    time.Time
	optedOut map[OptOut]bool
	// read* are what the store was asked about in this batch.
	readHashes, readKeys, readCustomers map[string]bool
	stored                              map[string][]Sent        // by customer key, this batch's
	storedInteractions                  map[string][]Interaction // by customer id, this batch's
	// simulated are the simulation's own sends, by customer key, and
	// events, by customer id: kept across batches, the sends pruned past
	// the window.
	simulated             map[string][]Sent
	simulatedInteractions map[string][]Interaction
}

// factsTimeout bounds one read of the store: a send that needs a
// recipient the batch did not name reads it from inside the workflow.
const factsTimeout = 10 * time.Second

func newLedger(h History, p policy.Policy, hasher *policy.AddressHasher) *ledger {
	l := &ledger{history: h, policy: p, hasher: hasher, timeout: factsTimeout,
		simulated: map[string][]Sent{}, simulatedInteractions: map[string][]Interaction{}}
	// How far back sends count: the longest rolling cap, the survey grace,
	// a local day (at most 25 hours) for the daily cap.
	l.window = p.LongestCapWindow()
	if g, err := p.Grace(); err == nil && g > l.window {
		l.window = g
	}
	for _, max := range p.MaxPerDay {
		if max > 0 && l.window < 26*time.Hour {
			l.window = 26 * time.Hour
		}
	}
	l.reset(time.Time{})
	return l
}

// reset forgets the store's facts, for a batch whose earliest run starts
// at start, and the simulated sends that no decision from then on counts.
func (l *ledger) reset(start time.Time) {
	l.since = start.Add(-l.window)
	l.optedOut = map[OptOut]bool{}
	l.readHashes, l.readKeys, l.readCustomers = map[string]bool{}, map[string]bool{}, map[string]bool{}
	l.stored, l.storedInteractions = map[string][]Sent{}, map[string][]Interaction{}
	for k, list := range l.simulated {
		list = slices.DeleteFunc(list, func(s Sent) bool { return !s.At.After(l.since) })
		if len(list) == 0 {
			delete(l.simulated, k)
		} else {
			l.simulated[k] = list
		}
	}
}

// recipient is one address a run may send to, as the policy counts it:
// its keyed hash and every hash an opt-out of it may be kept under, whom
// its sends count against, and the run's customer.
type recipient struct {
	hash        string
	forms       []string
	customerKey string
	customerID  string
}

// read asks the store about the recipients it has not been asked about
// in this batch.
func (l *ledger) read(ctx context.Context, rs []recipient) error {
	var q FactsQuery
	for _, r := range rs {
		for _, h := range r.forms {
			if !l.readHashes[h] {
				l.readHashes[h] = true
				q.AddressHashes = append(q.AddressHashes, h)
			}
		}
		if r.customerKey != "" && l.window > 0 && !l.readKeys[r.customerKey] {
			l.readKeys[r.customerKey] = true
			q.CustomerKeys = append(q.CustomerKeys, r.customerKey)
		}
		if r.customerID != "" && !l.readCustomers[r.customerID] {
			l.readCustomers[r.customerID] = true
			q.CustomerIDs = append(q.CustomerIDs, r.customerID)
		}
	}
	if len(q.AddressHashes)+len(q.CustomerKeys)+len(q.CustomerIDs) == 0 {
		return nil
	}
	q.Since = l.since
	ctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	f, err := l.history.ContactFacts(ctx, q)
	if err != nil {
		return fmt.Errorf("reading the opt-outs and contact history of %d recipients: %w", len(rs), err)
	}
	for _, o := range f.OptOuts {
		l.optedOut[o] = true
	}
	for _, s := range f.Sends {
		l.stored[s.CustomerKey] = append(l.stored[s.CustomerKey], s)
	}
	for _, i := range f.Interactions {
		l.storedInteractions[i.CustomerID] = append(l.storedInteractions[i.CustomerID], i)
	}
	return nil
}

// recipientOf is the recipient of a message to address on channel, own
// when it is the customer's own address; false when the address is none
// the channel takes.
func (l *ledger) recipientOf(channel, address string, own bool, customerID string) (recipient, bool) {
	var r recipient
	normalized, err := policy.NormalizeAddress(channel, address)
	if err != nil {
		return r, false
	}
	r.hash = l.hasher.Hash(normalized)
	r.forms = l.hasher.Forms(normalized)
	r.customerKey = policy.CountedAs(own, customerID, r.hash)
	r.customerID = customerID
	return r, true
}

// send is one send to decide: its delivery key, run, channel, whom it
// counts against, the run's customer and interaction and when the run
// started.
type send struct {
	key, workflowID, channel, entryID string
	survey                            bool
	customerKey, customerID           string
	interactionID                     string
	runStart                          time.Time
	optOutForms                       []string
}

// request completes req, a send's request, with the facts at now: what
// the store's facts function reads for a real send (see store.facts), of
// the store and of the simulation, decided no later than now.
func (l *ledger) request(s send, req policy.Request, now time.Time) policy.Request {
	req.Now, req.Channel, req.Survey = now, s.channel, s.survey
	for _, h := range s.optOutForms {
		if l.optedOut[OptOut{Channel: s.channel, AddressHash: h}] {
			req.OptedOut = true
		}
	}
	if req.CancelOnNewInteraction && s.customerID != "" {
		if i, ok := l.nextInteraction(s.customerID, s.interactionID, s.runStart, now); ok {
			req.ContactedAgain = i.InteractionID
		}
	}
	counted := l.counted(s, now)
	if grace, err := l.policy.Grace(); s.survey && err == nil && grace > 0 {
		for _, c := range counted {
			if c.Survey && (req.LastSurvey == nil || c.At.After(req.LastSurvey.At)) {
				req.LastSurvey = &policy.Contact{At: c.At, EntryID: c.EntryID}
			}
		}
	}
	if window := l.policy.LongestCapWindow(); window > 0 {
		for _, c := range counted {
			if c.At.After(now.Add(-window)) {
				req.CapSends = append(req.CapSends, policy.Contact{At: c.At, Channel: c.Channel})
			}
		}
	}
	if l.policy.MaxPerDay[s.channel] > 0 {
		for _, c := range counted {
			if c.Channel == s.channel && c.At.After(now.Add(-26*time.Hour)) {
				req.RecentSends = append(req.RecentSends, c.At)
			}
		}
	}
	return req
}

// counted are the sends counted against s's customer at now: the store's
// but those of the real run the simulated one stands for, and the
// simulation's, decided by now, the send itself left out.
func (l *ledger) counted(s send, now time.Time) []Sent {
	var out []Sent
	for _, c := range l.stored[s.customerKey] {
		if c.WorkflowID != s.workflowID && c.Key != s.key && !c.At.After(now) {
			out = append(out, c)
		}
	}
	for _, c := range l.simulated[s.customerKey] {
		if c.Key != s.key && !c.At.After(now) {
			out = append(out, c)
		}
	}
	return out
}

// sent records a send the policy let go.
func (l *ledger) sent(s send, at time.Time) {
	if l.window == 0 {
		return // nothing counts sends
	}
	l.simulated[s.customerKey] = append(l.simulated[s.customerKey],
		Sent{Key: s.key, WorkflowID: s.workflowID, CustomerKey: s.customerKey, Channel: s.channel, EntryID: s.entryID, Survey: s.survey, At: at})
}

// interacted records an interaction of the simulation.
func (l *ledger) interacted(customerID, interactionID string, at time.Time) {
	if customerID == "" {
		return
	}
	l.simulatedInteractions[customerID] = append(l.simulatedInteractions[customerID],
		Interaction{CustomerID: customerID, InteractionID: interactionID, At: at})
}

// forget drops the simulation's interactions that ended before t: no run
// from then on is stopped by them.
func (l *ledger) forget(t time.Time) {
	for k, list := range l.simulatedInteractions {
		list = slices.DeleteFunc(list, func(i Interaction) bool { return i.At.Before(t) })
		if len(list) == 0 {
			delete(l.simulatedInteractions, k)
		} else {
			l.simulatedInteractions[k] = list
		}
	}
}

// nextInteraction is the first interaction of the customer other than
// own that came after the run started (at start) and no later than until
// (the zero time: whenever).
func (l *ledger) nextInteraction(customerID, own string, start, until time.Time) (Interaction, bool) {
	var next Interaction
	found := false
	for _, list := range [][]Interaction{l.storedInteractions[customerID], l.simulatedInteractions[customerID]} {
		for _, i := range list {
			if i.InteractionID == own || !i.At.After(start) || (!until.IsZero() && i.At.After(until)) {
				continue
			}
			if !found || i.At.Before(next.At) {
				next, found = i, true
			}
		}
	}
	return next, found
}
