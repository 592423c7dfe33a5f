package scratch

import (
	"fmt"
	"testing"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

type Inner struct {
	Final bool `json:"final"`
}
type Ev struct {
	ID  string         `json:"interaction_id"`
	Svc string         `json:"service"`
	S   *float64       `json:"average_sentiment,omitempty"`
	At  *time.Time     `json:"ended_at,omitempty"`
	C   *Inner         `json:"case,omitempty"`
	V   map[string]any `json:"variables,omitempty"`
	N   int            `json:"score"`
}

func TestX(t *testing.T) {
	for _, in := range []string{
		`{"interaction_id":"a","service":"b","Service":"c"}`,
		`{"interaction_id":"a","service":"b","service":"c"}`,
		"{\"interaction_id\":\"a\xff\",\"service\":\"b\"}",
		`{"interaction_id":"a\ud800","service":"b"}`,
		`{"interaction_id":"a\u0000","service":"b"}`,
		"{\n  \"interaction_id\": \"INT-1\",\n  \"service\": }",
		`{"interaction_id": "INT-1"`,
		``,
		`{"interaction_id":"INT-1","service":"S"} {}`,
		`[1]`,
		`{"interaction_id":"INT-1","service":"S","dispositon":"Spam"}`,
		`{"interaction_id":"INT-1","service":"S","average_sentiment":"high"}`,
		`{"interaction_id":"INT-1","service":"S","case":{"final":"no"}}`,
		`{"interaction_id":"INT-1","service":"S","case":{"finall":"no"}}`,
		`{"ended_at":"2026-11-23T10:15:00Z","variables":{"a":1,"b":"x"},"score":4}`,
		`{"score":4.5}`,
		`{"ended_at":"2026-11-23"}`,
		`null`,
		`{"case":null}`,
	} {
		var e Ev
		err := jsonv2.Unmarshal([]byte(in), &e, jsonv2.RejectUnknownMembers(true))
		fmt.Printf("%q\n  -> %v\n", in, err)
		if se, ok := err.(*jsonv2.SemanticError); ok {
			fmt.Printf("  semantic: off=%d ptr=%q kind=%v gotype=%v err=%v\n", se.ByteOffset, se.JSONPointer, se.JSONKind, se.GoType, se.Err)
		}
		if se, ok := err.(*jsontext.SyntacticError); ok {
			fmt.Printf("  syntactic: off=%d ptr=%q err=%v\n", se.ByteOffset, se.JSONPointer, se.Err)
		}
	}
}
