// Package store keeps ccflow's durable data in PostgreSQL: entries and their
// versions, the disposition catalog, started runs, deliveries and surveys.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq" // PostgreSQL driver
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Sentinel errors callers map to API answers.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("conflict")
)

// Store is ccflow's PostgreSQL store.
type Store struct {
	db *sqlx.DB
	// url is kept for the connection that listens for entry changes,
	// which lives outside the pool.
	url string

	// Statements every event runs, prepared on first use (prepared).
	mu                     sync.Mutex
	claimRuns              *sqlx.Stmt
	claimRunsOfCustomer    *sqlx.Stmt
	newCustomerInteraction *sqlx.Stmt
	// markDelivered is MarkDelivered's statement, which counts the send:
	// planning its facts' part took longer than running it.
	markDelivered *sqlx.Stmt
	// lockMessageStmt takes a message's lock (lockMessage).
	lockMessageStmt *sqlx.Stmt

	// Clock, when set, is the time the writes that count results stamp
	// their rows with (a run's start, a message's first decision, a
	// survey's opening, an answer…) instead of PostgreSQL's now(): tests
	// set it to place data in time. nil in production.
	Clock func() time.Time
	// noFacts turns off the writes of result facts (KeepResults).
	noFacts bool
}

// stamp is the time a write stamps its rows with: Clock's, or NULL for
// PostgreSQL's now() (the statements say COALESCE($n, now())).
func (s *Store) stamp() sql.NullTime {
	if s.Clock == nil {
		return sql.NullTime{}
	}
	return sql.NullTime{Time: s.Clock(), Valid: true}
}

// KeepResults turns the writes of result facts on (the default) or off.
// Off, GET /v1/results misses whatever happens meanwhile: it exists for
// the benchmark that measures what keeping results costs ingest and sends.
func (s *Store) KeepResults(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.noFacts = !on
	for _, stmt := range []**sqlx.Stmt{&s.claimRuns, &s.claimRunsOfCustomer, &s.markDelivered} {
		if *stmt != nil {
			(*stmt).Close()
			*stmt = nil
		}
	}
}

// keepsResults reports whether writes record result facts.
func (s *Store) keepsResults() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.noFacts
}

// prepared returns *stmt, preparing query into it on first use: the
// server then plans it once per connection instead of on every call.
func (s *Store) prepared(ctx context.Context, stmt **sqlx.Stmt, query string) (*sqlx.Stmt, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if *stmt == nil {
		prepared, err := s.db.PreparexContext(ctx, query) //nolint:sqlclosecheck // closed by Close
		if err != nil {
			return nil, err
		}
		*stmt = prepared
	}
	return *stmt, nil
}

// The pool of Open: at most maxConns connections, each closed after
// connMaxIdle unused.
const (
	maxConns    = 20
	connMaxIdle = 5 * time.Minute
)

// Open connects to the database at url and checks that it answers.
func Open(ctx context.Context, url string) (*Store, error) {
	db, err := sqlx.Open("postgres", url)
	if err != nil {
		return nil, fmt.Errorf("opening database: %w", err)
	}
	// As many idle connections as open ones: with fewer, a burst of
	// requests closes the connections past the idle limit as it ends and
	// opens them again on the next, and every new connection costs
	// PostgreSQL a backend and the store a new preparation of its hot
	// statements (seen in the ingest profile, docs/performance.md). An
	// idle connection still closes after connMaxIdle.
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	db.SetConnMaxIdleTime(connMaxIdle)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connecting to database: %w", err)
	}
	return &Store{db: db, url: url}, nil
}

// OpenDB makes a Store of db, a pool the caller opened on the PostgreSQL
// database at url, for tools and tests that bring their own driver (one
// that counts or traces statements, say). url is what the listener of
// entry changes connects to, outside the pool.
func OpenDB(db *sql.DB, url string) *Store {
	return &Store{db: sqlx.NewDb(db, "postgres"), url: url}
}

// OpenMigrated opens the database at url and brings its schema up to date,
// which is what every process using the store does first.
func OpenMigrated(ctx context.Context, url string) (*Store, error) {
	s, err := Open(ctx, url)
	if err != nil {
		return nil, err
	}
	if err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Migrate brings the schema up to date. It is safe to run from several
// processes at once: goose serialises through a PostgreSQL advisory lock.
func (s *Store) Migrate(ctx context.Context) error {
	dir, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return fmt.Errorf("reading embedded migrations: %w", err)
	}
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return fmt.Errorf("preparing migration lock: %w", err)
	}
	// Out of order: migrations are numbered as the work that needs them
	// starts, so one may land after a later number was applied (results'
	// 00007 after 00011); each touches only what it adds.
	p, err := goose.NewProvider(goose.DialectPostgres, s.db.DB, dir, goose.WithSessionLocker(locker),
		goose.WithAllowOutofOrder(true))
	if err != nil {
		return fmt.Errorf("preparing migrations: %w", err)
	}
	applied, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("applying migrations: %w", err)
	}
	for _, r := range applied {
		if r.Source != nil && r.Source.Version == resultsMigration {
			s.sayWhatResultsCouldNotFill(ctx)
		}
	}
	return nil
}

// MigrateTo brings the schema up or down to version, for the tests of a
// migration and the tools that need an older schema; a process using the
// store calls Migrate.
func (s *Store) MigrateTo(ctx context.Context, version int64) error {
	dir, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return fmt.Errorf("reading embedded migrations: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, s.db.DB, dir)
	if err != nil {
		return fmt.Errorf("preparing migrations: %w", err)
	}
	current, err := p.GetDBVersion(ctx)
	if err != nil {
		return fmt.Errorf("reading the schema's version: %w", err)
	}
	if current > version {
		_, err = p.DownTo(ctx, version)
	} else {
		_, err = p.UpTo(ctx, version)
	}
	if err != nil {
		return fmt.Errorf("migrating to version %d: %w", version, err)
	}
	return nil
}

// resultsMigration is the migration that made runs and surveys remember
// what results need (00007_results.sql).
const resultsMigration = 7

// sayWhatResultsCouldNotFill logs, once, when the results migration has
// just been applied, how many runs it found whose service, agent,
// disposition, channel and end were never recorded (see the migration).
func (s *Store) sayWhatResultsCouldNotFill(ctx context.Context) {
	var runs, surveys int
	if err := s.db.GetContext(ctx, &runs, `SELECT count(*) FROM runs WHERE status = 'unknown'`); err != nil {
		return
	}
	_ = s.db.GetContext(ctx, &surveys, `SELECT count(*) FROM surveys`)
	if runs == 0 && surveys == 0 {
		return
	}
	slog.InfoContext(ctx, "results migration applied: runs recorded before it have no service, agent, disposition, "+
		"channel or interaction time, and their end is unknown; they are counted in results under empty values",
		slog.Int("runs_without_them", runs), slog.Int("surveys_filled", surveys))
}

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// Close closes the connection pool.
func (s *Store) Close() error {
	s.mu.Lock()
	for _, stmt := range []*sqlx.Stmt{s.claimRuns, s.claimRunsOfCustomer, s.newCustomerInteraction, s.markDelivered, s.lockMessageStmt} {
		if stmt != nil {
			stmt.Close()
		}
	}
	s.mu.Unlock()
	return s.db.Close()
}

// DB exposes the pool for tests and tools that inspect tables directly.
func (s *Store) DB() *sqlx.DB { return s.db }

// inTx runs fn in a transaction, committing when it returns nil.
func (s *Store) inTx(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	tx, err := s.db.BeginTxx(ctx, &sql.TxOptions{})
	if err != nil {
		return fmt.Errorf("beginning transaction: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("committing transaction: %w", err)
	}
	return nil
}
