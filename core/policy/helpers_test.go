package policy

import "fmt"

func fmtSscan(s string, h, m *int) (int, error) { return fmt.Sscanf(s, "%d:%d", h, m) }
