package activities_test

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/testsuite"

	"github.com/ccflow/ccflow/activities"
	"github.com/ccflow/ccflow/workflows"
)

// contract is what the workflow sends to and expects back from each
// activity it calls by name.
var contract = map[string]struct{ in, out reflect.Type }{
	workflows.OpenSurveyActivity:     {reflect.TypeFor[workflows.OpenSurveyInput](), reflect.TypeFor[workflows.Survey]()},
	workflows.SendEmailActivity:      {reflect.TypeFor[workflows.EmailInput](), reflect.TypeFor[workflows.Delivery]()},
	workflows.SendSMSActivity:        {reflect.TypeFor[workflows.SMSInput](), reflect.TypeFor[workflows.Delivery]()},
	workflows.HTTPRequestActivity:    {reflect.TypeFor[workflows.HTTPRequestInput](), reflect.TypeFor[workflows.HTTPResponse]()},
	workflows.PurgeExpiredActivity:   {reflect.TypeFor[workflows.PurgeInput](), reflect.TypeFor[workflows.PurgeResult]()},
	workflows.DeliverWebhookActivity: {reflect.TypeFor[workflows.DeliverWebhookInput](), reflect.TypeFor[workflows.WebhookOutcome]()},
	workflows.FinishWebhookActivity:  {reflect.TypeFor[workflows.FinishWebhookInput](), reflect.TypeFor[workflows.WebhookOutcome]()},
	workflows.PlanWaitUntilActivity:  {reflect.TypeFor[workflows.WaitUntilInput](), reflect.TypeFor[workflows.WaitUntilPlan]()},
	workflows.KeptEventActivity:      {reflect.TypeFor[workflows.KeptEventInput](), reflect.TypeFor[workflows.KeptEventResult]()},
	workflows.RecordRunEndActivity:   {reflect.TypeFor[workflows.RunEnd](), reflect.TypeFor[workflows.RunEndRecorded]()},
}

// contractNames reads the activity names package workflows declares (its
// constants named *Activity), so a name added there without a registration
// fails this test.
func contractNames(t *testing.T) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "../workflows/activities.go", nil, 0)
	require.NoError(t, err)
	var names []string
	for _, decl := range f.Decls {
		gen, ok := decl.(*ast.GenDecl)
		if !ok || gen.Tok != token.CONST {
			continue
		}
		for _, spec := range gen.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, ident := range vs.Names {
				if !strings.HasSuffix(ident.Name, "Activity") || i >= len(vs.Values) {
					continue
				}
				lit, ok := vs.Values[i].(*ast.BasicLit)
				require.True(t, ok && lit.Kind == token.STRING, "%s is not a string literal", ident.Name)
				name, err := strconv.Unquote(lit.Value)
				require.NoError(t, err)
				names = append(names, name)
			}
		}
	}
	require.NotEmpty(t, names, "no *Activity constants in workflows/activities.go")
	return names
}

// registry records what Register registers, by name.
type registry struct {
	byName map[string]any
}

func (r *registry) RegisterActivity(a any) {
	panic("activities must be registered under the contract's names, not their Go names")
}

func (r *registry) RegisterActivityWithOptions(a any, opts activity.RegisterOptions) {
	if _, dup := r.byName[opts.Name]; dup {
		panic("registered twice: " + opts.Name)
	}
	r.byName[opts.Name] = a
}

func (r *registry) RegisterDynamicActivity(any, activity.DynamicRegisterOptions) {
	panic("ccflow has no dynamic activities")
}

func TestRegisterRegistersEveryNameOfTheContractWithItsPayloads(t *testing.T) {
	r := &registry{byName: map[string]any{}}

	activities.Register(r, &activities.Activities{})

	names := contractNames(t)
	require.ElementsMatch(t, names, slices.Collect(maps.Keys(r.byName)), "registered names")
	require.ElementsMatch(t, names, slices.Collect(maps.Keys(contract)), "names this test knows the payloads of")
	ctx := reflect.TypeFor[context.Context]()
	errType := reflect.TypeFor[error]()
	for name, fn := range r.byName {
		want := contract[name]
		typ := reflect.TypeOf(fn)
		require.Equal(t, reflect.Func, typ.Kind(), name)
		require.Equal(t, []reflect.Type{ctx, want.in}, ins(typ), "%s takes a context and its input", name)
		require.Equal(t, []reflect.Type{want.out, errType}, outs(typ), "%s returns its output and an error", name)
	}
}

// Each name reaches its own method through the SDK, as a worker's would:
// every input below is refused by that method before it touches the store
// or the network, with a message only it gives.
func TestRegisteredActivitiesRunByName(t *testing.T) {
	tests := []struct {
		name    string
		in      any
		message string
	}{
		{workflows.OpenSurveyActivity, workflows.OpenSurveyInput{WorkflowID: "wf"}, `survey needs a workflow ID and a step id, got "wf" and ""`},
		{workflows.SendEmailActivity, workflows.EmailInput{To: "ada@example.com"}, `the email of step "" has no idempotency key`},
		{workflows.SendSMSActivity, workflows.SMSInput{To: "+15551234567"}, `the sms of step "" has no idempotency key`},
		{workflows.HTTPRequestActivity, workflows.HTTPRequestInput{Method: "GET", URL: "https://api.example.com", Timeout: 2 * time.Minute},
			"timeout 2m0s is not between 0 and 1m0s"},
		{workflows.RecordRunEndActivity, workflows.RunEnd{Status: "completed"}, "a run's end needs its workflow ID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var suite testsuite.WorkflowTestSuite
			env := suite.NewTestActivityEnvironment()
			activities.Register(env, &activities.Activities{})

			_, err := env.ExecuteActivity(tt.name, tt.in)

			appErr := requireNonRetryable(t, err, workflows.ErrTypeInvalidInput)
			require.Equal(t, tt.message, appErr.Message())
		})
	}
}

func ins(t reflect.Type) []reflect.Type {
	out := make([]reflect.Type, t.NumIn())
	for i := range out {
		out[i] = t.In(i)
	}
	return out
}

func outs(t reflect.Type) []reflect.Type {
	out := make([]reflect.Type, t.NumOut())
	for i := range out {
		out[i] = t.Out(i)
	}
	return out
}
