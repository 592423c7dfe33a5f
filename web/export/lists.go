package export

import (
	"strconv"
	"time"

	"github.com/ccflow/ccflow/usecase"
)

// AnswerHeader are the CSV columns of a survey answer, the names of its
// JSON fields.
var AnswerHeader = []string{"answered_at", "workflow_id", "entry_id", "entry_version", "step_id", "interaction_id",
	"customer_id", "agent_id", "service", "disposition", "channel", "survey_channel", "scale", "score", "comment", "late", "sent_at"}

// AnswerRecord is a's CSV row.
func AnswerRecord(a usecase.ListedAnswer) []string {
	return []string{timeCell(&a.AnsweredAt), a.WorkflowID, a.EntryID, strconv.Itoa(a.EntryVersion), a.StepID, a.InteractionID,
		a.CustomerID, a.AgentID, a.Service, a.Disposition, a.Channel, a.SurveyChannel, a.Scale, strconv.Itoa(a.Score), a.Comment,
		strconv.FormatBool(a.Late), timeCell(a.SentAt)}
}

// RunHeader are the CSV columns of a run.
var RunHeader = []string{"started_at", "workflow_id", "run_id", "entry_id", "entry_version", "interaction_id", "customer_id",
	"service", "agent_id", "disposition", "channel", "variant", "trigger", "interaction_ended_at", "status", "reason", "ended_at"}

// RunRecord is r's CSV row.
func RunRecord(r usecase.RunListItem) []string {
	return []string{timeCell(&r.StartedAt), r.WorkflowID, r.RunID, r.EntryID, strconv.Itoa(r.EntryVersion), r.InteractionID,
		r.CustomerID, r.Service, r.AgentID, r.Disposition, r.Channel, r.Variant, r.Trigger, timeCell(r.InteractionEndedAt),
		r.Status, r.Reason, timeCell(r.EndedAt)}
}

func timeCell(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}
