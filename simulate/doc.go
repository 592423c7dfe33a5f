// Package simulate runs an entry's follow-up on a virtual clock: the real
// workflows.FollowUp code, in the Temporal SDK's time-skipping test
// environment (go.temporal.io/sdk/testsuite) inside the calling process,
// with simulated twins of the activities, so that a week-long scenario
// shows in well under a second what each customer would receive and when.
//
// A twin stands for each activity of the contract in workflows (twins.go):
//
//   - the sends call the real contact policy decision (policy.Decide) on
//     the facts a real send reads in the store, read without writing
//     (History: opt-outs, the customer's sends and interactions) and the
//     messages sent earlier in the same simulation, and record what would
//     have happened instead of calling a provider;
//   - PlanWaitUntil plans with the real computation (policy.PlanUntil);
//   - OpenSurvey opens a survey under the real id with a link that leads
//     nowhere;
//   - HTTPRequest records the request and answers 200 with an empty JSON
//     object, making none;
//   - KeptEvent finds nothing: a simulation posts no events.
//
// The customer's answer reaches the run through the survey-answer update,
// as a real answer does, `after` the survey's message went; the delivery
// status an SMS gets (delivered or undelivered) reaches it as the status
// callback's signal does. The run's own timeline (workflows.TimelineQuery)
// becomes the simulation's, each message with a preview of its text as
// the customer would get it.
//
// The twins run through a workflow interceptor that answers each
// ExecuteActivity with its twin's result, encoded and decoded by the data
// converter as an activity's payloads are. Scheduled as test-environment
// activities they would run on goroutines of their own, and the test
// environment then arms a wall-clock timer for the next workflow timer; a
// timer canceled afterwards (a survey answered before its wait ran out)
// keeps its wall-clock timer, and with it the whole environment, alive for
// the timer's duration in real time: days. The interceptor keeps a
// simulation's memory flat, and is three times quicker.
//
// Nothing here sends, writes or starts anything: the package links no
// provider, activity or store (internal/archtest), and the test
// environment talks to no Temporal server.
package simulate
