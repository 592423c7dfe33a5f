package usecase

import (
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/store"
)

// The use cases' own types carry every field of the store's rows they
// stand for: a field added to the row and not here would silently never
// reach the API or the console.
func TestUseCaseTypesCarryEveryFieldOfTheStoresRows(t *testing.T) {
	t.Parallel()
	t.Run("Suppression", func(t *testing.T) {
		var sup store.Suppression
		fill(t, reflect.ValueOf(&sup).Elem())
		requireCarried(t, sup, suppressionOf(sup))
	})
	t.Run("CustomerErasure", func(t *testing.T) {
		var erased store.Erased
		fill(t, reflect.ValueOf(&erased).Elem())
		var got CustomerErasure
		got.setErased(erased)
		requireCarried(t, erased, got)
	})
	t.Run("AnswerView", func(t *testing.T) {
		a := store.SurveyAnswer{Score: 4, Comment: "fine", Delivered: false, AnsweredAt: time.Unix(1_700_000_000, 0)}
		require.Equal(t, AnswerView{Score: 4, Comment: "fine", Late: true, AnsweredAt: a.AnsweredAt}, answerViewOf(a))
	})
}

// fill sets every field of the struct v to a value of its own, not zero.
func fill(t *testing.T, v reflect.Value) {
	t.Helper()
	for i := range v.NumField() {
		f := v.Field(i)
		switch f.Kind() {
		case reflect.String:
			f.SetString(v.Type().Field(i).Name)
		case reflect.Int, reflect.Int64:
			f.SetInt(int64(i + 1))
		case reflect.Bool:
			f.SetBool(true)
		case reflect.Pointer:
			p := reflect.New(f.Type().Elem())
			p.Elem().SetString(v.Type().Field(i).Name) // *string, the one pointer rows have
			f.Set(p)
		case reflect.Struct:
			f.Set(reflect.ValueOf(time.Unix(int64(1_700_000_000+i), 0)))
		default:
			t.Fatalf("field %s: fill knows no %s", v.Type().Field(i).Name, f.Kind())
		}
	}
}

// requireCarried checks that every field of row has a field of the same
// name in got, with the same value.
func requireCarried(t *testing.T, row, got any) {
	t.Helper()
	r, g := reflect.ValueOf(row), reflect.ValueOf(got)
	for i := range r.NumField() {
		name := r.Type().Field(i).Name
		f := g.FieldByName(name)
		require.True(t, f.IsValid(), "%s has no field %s of %s", g.Type(), name, r.Type())
		require.Equal(t, r.Field(i).Interface(), f.Interface(), "%s.%s", g.Type(), name)
	}
}
