package testenv

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/ccflow/ccflow/store"
)

// DatabaseURL returns DATABASE_URL, the server tests make their databases on.
func DatabaseURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("DATABASE_URL")
	if u == "" {
		t.Fatal("DATABASE_URL is not set: run the tests with `make test`, which starts PostgreSQL")
	}
	return u
}

// Store returns a store on a fresh database, migrated, dropped when the test ends.
func Store(t testing.TB) *store.Store {
	t.Helper()
	s, _ := StoreURL(t)
	return s
}

// StoreURL is Store that also returns the fresh database's URL, for
// subprocesses that open it themselves.
func StoreURL(t testing.TB) (*store.Store, string) {
	t.Helper()
	dbURL := freshDatabase(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := store.OpenMigrated(ctx, dbURL)
	if err != nil {
		t.Fatalf("opening and migrating the test database: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s, dbURL
}

// DeafStore is Store whose listener for entry changes dials a port nothing
// listens on: a watched entry index on it never hears PostgreSQL's NOTIFY,
// and learns of a change only from its own service's writes or its check
// every second. A test that the next event sees a change uses it, so the
// test cannot pass by NOTIFY's luck.
func DeafStore(t testing.TB) *store.Store {
	t.Helper()
	_, dbURL := StoreURL(t)
	db, err := sql.Open("postgres", dbURL)
	if err != nil {
		t.Fatalf("opening the test database: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return store.OpenDB(db, "postgres://127.0.0.1:1/nowhere?sslmode=disable&connect_timeout=1")
}

// freshDatabase creates an empty database on DATABASE_URL's server, drops it
// at cleanup, and returns its URL.
func freshDatabase(t testing.TB) string {
	t.Helper()
	serverURL := DatabaseURL(t)
	u, err := url.Parse(serverURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("DATABASE_URL %q is not a postgres:// URL", serverURL)
	}
	admin, err := adminDB(serverURL)
	if err != nil {
		t.Fatalf("connecting to DATABASE_URL: %v", err)
	}
	name := "ccflow_test_" + randomSuffix(8)
	// Identifiers cannot be bound as parameters; name is ours and quoted.
	if _, err := admin.Exec("CREATE DATABASE " + pq.QuoteIdentifier(name) + admin.createOptions); err != nil {
		t.Fatalf("creating test database %s: %v", name, err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP DATABASE IF EXISTS " + pq.QuoteIdentifier(name) + " WITH (FORCE)"); err != nil {
			t.Errorf("dropping test database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}

// server is a small pool on a test server, shared by the tests of one
// package, to create and drop their databases.
type server struct {
	*sqlx.DB
	// createOptions makes creating a database cheaper where the server
	// allows: copying files is faster than logging every page of a
	// throwaway database, and makes the drop faster too.
	createOptions string
}

var (
	adminMu  sync.Mutex
	adminDBs = map[string]*server{}
)

func adminDB(serverURL string) (*server, error) {
	adminMu.Lock()
	defer adminMu.Unlock()
	if s, ok := adminDBs[serverURL]; ok {
		return s, nil
	}
	db, err := sqlx.Open("postgres", serverURL)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(2)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var version int
	if err := db.GetContext(ctx, &version, `SELECT current_setting('server_version_num')::int`); err != nil {
		db.Close()
		return nil, err
	}
	s := &server{DB: db}
	if version >= 150000 { // STRATEGY came with PostgreSQL 15
		s.createOptions = " STRATEGY FILE_COPY"
	}
	adminDBs[serverURL] = s
	return s, nil
}
