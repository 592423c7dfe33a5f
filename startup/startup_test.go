package startup

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/config"
)

func TestMainAnswersVersionAndRefusesArgumentsWithoutStarting(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		part       config.Part
		args       []string
		code       int
		out, fault string
	}{
		{name: "version", part: config.Starter, args: []string{"--version"}, code: 0, out: "starter "},
		{name: "the worker's version", part: config.Worker, args: []string{"-version"}, code: 0, out: "worker "},
		{name: "an argument", part: config.Worker, args: []string{"now"}, code: 2, fault: "worker takes no arguments"},
		{name: "an unknown flag", part: config.Starter, args: []string{"--port=1"}, code: 2, fault: "usage: starter [--version]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			ran := false

			code := main(tt.part, tt.args, &stdout, &stderr, func(context.Context, *Process) error { ran = true; return nil })

			require.Equal(t, tt.code, code)
			require.False(t, ran, "nothing is started")
			if tt.out != "" {
				require.Contains(t, stdout.String(), tt.out)
			}
			if tt.fault != "" {
				require.Contains(t, stderr.String(), tt.fault)
			}
		})
	}
}

// A configuration that does not load stops the binary before anything is
// opened, naming the variable to fix.
func TestMainStopsOnAWrongSettingWithoutRunning(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	ran := false

	code := main(config.Worker, nil, &bytes.Buffer{}, &bytes.Buffer{}, func(context.Context, *Process) error { ran = true; return nil })

	require.Equal(t, 1, code)
	require.False(t, ran)
	_, err := Start(context.Background(), config.Worker)
	require.ErrorContains(t, err, "DATABASE_URL is required")
}
