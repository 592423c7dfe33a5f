package activities

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/policy"
	"github.com/ccflow/ccflow/store"
	"github.com/ccflow/ccflow/workflows"
)

// PolicyReader reads the contact policy in force; *store.Store is one.
type PolicyReader interface {
	Policy(ctx context.Context) (policy.Policy, error)
}

// EventKeeper finds the events the store keeps for runs; *store.Store is
// one.
type EventKeeper interface {
	KeptEvent(ctx context.Context, workflowID, name string) (store.RunEvent, bool, error)
}

func (a *Activities) policies() PolicyReader {
	if a.Policies != nil {
		return a.Policies
	}
	return a.Store
}

func (a *Activities) events() EventKeeper {
	if a.Events != nil {
		return a.Events
	}
	return a.Store
}

// PlanWaitUntil works out when a wait_until step that begins now ends
// (policy.Policy.PlanUntil): in the customer's zone, found as for quiet hours
// (the customer's, the service's, the policy's, CCFLOW_TIME_ZONE, UTC),
// past the policy's holidays for the service, as the policy is now. Its
// clock is the one sends are decided by, and Wait is measured on it.
func (a *Activities) PlanWaitUntil(ctx context.Context, in workflows.WaitUntilInput) (workflows.WaitUntilPlan, error) {
	step := &entry.WaitUntil{Time: in.Time, Days: in.Days}
	u, err := step.Until()
	if err != nil {
		return workflows.WaitUntilPlan{}, invalidInput(fmt.Sprintf("wait_until of step %s: %v", in.StepID, err))
	}
	u.AtLeast = in.AtLeast
	p, err := a.policies().Policy(ctx)
	if err != nil {
		return workflows.WaitUntilPlan{}, err
	}
	now := a.now()
	planned, err := p.PlanUntil(now, u, in.CustomerTimeZone, in.Service, a.DefaultTimeZone)
	if err != nil {
		return workflows.WaitUntilPlan{}, invalidInput(fmt.Sprintf("wait_until of step %s: %v", in.StepID, err))
	}
	plan := workflows.WaitUntilPlan{At: planned.At, Wait: planned.At.Sub(now), Zone: planned.Zone, Holidays: planned.Holidays}
	a.logger(ctx).Info("Planned a wait until a local time", "step", in.StepID, "zone", plan.Zone, "at", plan.At.UTC().Format(time.RFC3339),
		"holidays_passed", len(plan.Holidays))
	return plan, nil
}

// KeptEvent finds the latest event called in.Name that the store keeps for
// the run in.WorkflowID: one posted before the run could take signals.
func (a *Activities) KeptEvent(ctx context.Context, in workflows.KeptEventInput) (workflows.KeptEventResult, error) {
	ev, ok, err := a.events().KeptEvent(ctx, in.WorkflowID, in.Name)
	if err != nil || !ok {
		return workflows.KeptEventResult{}, err
	}
	posted := &workflows.PostedEvent{ID: ev.PostID, Name: ev.Name, At: ev.PostedAt}
	if len(ev.Data) > 0 {
		if err := json.Unmarshal(ev.Data, &posted.Data); err != nil {
			return workflows.KeptEventResult{}, invalidInput(fmt.Sprintf("the data of event %s kept for %s is not a JSON object: %v", ev.Name, in.WorkflowID, err))
		}
	}
	return workflows.KeptEventResult{Event: posted}, nil
}
