package usecase_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/usecase"
)

// storePkg is the store's import path: none of its types may be in what
// the use cases take or give back, so store rows never reach the wire.
const storePkg = "github.com/ccflow/ccflow/store"

// What the use cases take and give back is their own (or the model's):
// the JSON API and the console encode it, so a type of the store there
// would put the store's rows, tags and all, on the wire.
func TestTheUseCasesGiveNoStoreTypeToTheirCallers(t *testing.T) {
	t.Parallel()
	svc := reflect.TypeFor[*usecase.Service]()
	var found []string
	for i := range svc.NumMethod() {
		m := svc.Method(i)
		for j := 1; j < m.Type.NumIn(); j++ { // 0 is the receiver
			found = append(found, storeTypesIn(m.Type.In(j), m.Name+" takes ", map[reflect.Type]bool{})...)
		}
		for j := range m.Type.NumOut() {
			found = append(found, storeTypesIn(m.Type.Out(j), m.Name+" returns ", map[reflect.Type]bool{})...)
		}
	}
	require.Empty(t, found)
}

// storeTypesIn names the store types t is made of, through pointers,
// slices, maps and struct fields (embedded ones too).
func storeTypesIn(t reflect.Type, path string, seen map[reflect.Type]bool) []string {
	if seen[t] {
		return nil
	}
	seen[t] = true
	if t.PkgPath() == storePkg || strings.HasPrefix(t.PkgPath(), storePkg+"/") {
		return []string{path + t.String()}
	}
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array:
		return storeTypesIn(t.Elem(), path, seen)
	case reflect.Map:
		return append(storeTypesIn(t.Key(), path, seen), storeTypesIn(t.Elem(), path, seen)...)
	case reflect.Struct:
		var out []string
		for i := range t.NumField() {
			if f := t.Field(i); f.IsExported() {
				out = append(out, storeTypesIn(f.Type, path+t.Name()+"."+f.Name+": ", seen)...)
			}
		}
		return out
	}
	return nil
}
