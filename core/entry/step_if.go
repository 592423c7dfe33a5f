package entry

// StepIf is the type of If steps.
const StepIf = "if"

// If runs Then or Else, as its condition over the variables says.
type If struct {
	Condition string `json:"condition" kind:"condition" required:"true" label:"Condition" help:"A CEL expression over the variables, such as survey.score <= 2."`
	Then      []Step `json:"then" kind:"steps" required:"true" label:"Then" help:"The steps that run when the condition holds."`
	Else      []Step `json:"else" kind:"steps" label:"Else" help:"The steps that run when it does not; none when empty."`
}

func init() {
	define[If](StepIf, "If", "Runs one list of steps or another, as a condition over the variables says.", inGroup(GroupBranching))
}

// check has nothing to add to the kinds of the fields.
func (*If) check(*checker) {}
