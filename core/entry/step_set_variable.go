package entry

// StepSetVariable is the type of SetVariable steps.
const StepSetVariable = "set_variable"

// SetVariable sets a context variable that later steps use as $(name).
type SetVariable struct {
	Name  string `json:"name" kind:"variable" required:"true" label:"Variable" help:"The variable's name: letters, digits and _, parts joined by dots, such as followup.sent."`
	Value string `json:"value" kind:"template" required:"true" label:"Value" help:"The value, which may hold $(variables)."`
}

func init() {
	define[SetVariable](StepSetVariable, "Set variable", "Sets a variable that later steps and conditions read.", inGroup(GroupData))
}

// check has nothing to add to the kinds of the fields.
func (*SetVariable) check(*checker) {}

// defines is the variable the step sets.
func (s *SetVariable) defines() []string { return []string{s.Name} }
