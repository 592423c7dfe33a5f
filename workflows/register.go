package workflows

import (
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// FollowUpWorkflow is the workflow type FollowUp runs as: the name in every
// recorded history, so it never changes.
const FollowUpWorkflow = "FollowUp"

// Register registers ccflow's workflows under the names they run as. The
// worker and the replay tests both call it, so replays check exactly the
// code the worker runs.
func Register(r worker.WorkflowRegistry) {
	r.RegisterWorkflowWithOptions(FollowUp, workflow.RegisterOptions{Name: FollowUpWorkflow})
	r.RegisterWorkflowWithOptions(Retention, workflow.RegisterOptions{Name: RetentionWorkflow})
	r.RegisterWorkflowWithOptions(WebhookDelivery, workflow.RegisterOptions{Name: WebhookDeliveryWorkflow})
}
