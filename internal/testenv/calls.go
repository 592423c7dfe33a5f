package testenv

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"sync"
	"testing"

	"github.com/lib/pq"
	"go.temporal.io/sdk/client"
	"google.golang.org/grpc"

	"github.com/ccflow/ccflow/store"
)

// Calls counts the round trips to PostgreSQL and Temporal made on behalf of
// a context that Track marked, so a test can say what one request costs
// while background work on the same pool and client goes uncounted.
type Calls struct {
	mu                 sync.Mutex
	postgres, prepares int
	temporal           map[string]int
}

type trackedKey struct{}

// Track marks ctx so the calls made with it (or a context derived from
// it) are counted.
func (c *Calls) Track(ctx context.Context) context.Context {
	return context.WithValue(ctx, trackedKey{}, c)
}

// Reset sets the counts back to zero.
func (c *Calls) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.postgres, c.prepares, c.temporal = 0, 0, map[string]int{}
}

// Postgres is the number of statements (a transaction's BEGIN and COMMIT
// included, a prepared statement's executions too) sent to PostgreSQL.
func (c *Calls) Postgres() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.postgres
}

// Prepares is the number of statements prepared, which happens once per
// statement and pooled connection, not per request.
func (c *Calls) Prepares() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.prepares
}

// Temporal is the number of calls to Temporal's frontend by method, e.g.
// {"StartWorkflowExecution": 1}.
func (c *Calls) Temporal() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.temporal))
	for k, v := range c.temporal {
		out[k] = v
	}
	return out
}

func counted(ctx context.Context) *Calls {
	c, _ := ctx.Value(trackedKey{}).(*Calls)
	return c
}

func (c *Calls) addPostgres(ctx context.Context) {
	if counted(ctx) != c {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.postgres++
}

// CountingStore is StoreURL whose pool counts into calls.
func CountingStore(t testing.TB, calls *Calls) *store.Store {
	t.Helper()
	_, dbURL := StoreURL(t) // migrated
	connector, err := pq.NewConnector(dbURL)
	if err != nil {
		t.Fatalf("connecting to the test database: %v", err)
	}
	db := sql.OpenDB(countingConnector{Connector: connector, calls: calls})
	t.Cleanup(func() { db.Close() })
	return store.OpenDB(db, dbURL)
}

// CountingTemporal is Temporal whose client counts into calls.
func CountingTemporal(t testing.TB, calls *Calls) client.Client {
	t.Helper()
	calls.Reset()
	count := func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		if counted(ctx) == calls {
			calls.mu.Lock()
			calls.temporal[method[lastSlash(method)+1:]]++
			calls.mu.Unlock()
		}
		return invoker(ctx, method, req, reply, cc, opts...)
	}
	return temporalClient(t, func(o *client.Options) {
		o.ConnectionOptions.DialOptions = append(o.ConnectionOptions.DialOptions, grpc.WithChainUnaryInterceptor(count))
	})
}

func lastSlash(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '/' {
			return i
		}
	}
	return -1
}

// countingConnector hands out connections that count the statements of
// tracked contexts.
type countingConnector struct {
	driver.Connector
	calls *Calls
}

func (c countingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: conn, calls: c.calls}, nil
}

// countingConn forwards to lib/pq's connection, counting as it goes.
type countingConn struct {
	driver.Conn
	calls *Calls
}

func (c *countingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	c.calls.addPostgres(ctx)
	return c.Conn.(driver.QueryerContext).QueryContext(ctx, query, args)
}

func (c *countingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	c.calls.addPostgres(ctx)
	return c.Conn.(driver.ExecerContext).ExecContext(ctx, query, args)
}

func (c *countingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	c.calls.addPostgres(ctx)
	tx, err := c.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return countingTx{Tx: tx, ctx: ctx, calls: c.calls}, nil
}

func (c *countingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if counted(ctx) == c.calls {
		c.calls.mu.Lock()
		c.calls.prepares++
		c.calls.mu.Unlock()
	}
	stmt, err := c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	return countingStmt{Stmt: stmt, calls: c.calls}, nil
}

// countingStmt counts the executions of a prepared statement.
type countingStmt struct {
	driver.Stmt
	calls *Calls
}

func (s countingStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	s.calls.addPostgres(ctx)
	return s.Stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
}

func (s countingStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	s.calls.addPostgres(ctx)
	return s.Stmt.(driver.StmtExecContext).ExecContext(ctx, args)
}

func (c *countingConn) ResetSession(ctx context.Context) error {
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *countingConn) IsValid() bool {
	if v, ok := c.Conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

type countingTx struct {
	driver.Tx
	ctx   context.Context
	calls *Calls
}

func (t countingTx) Commit() error {
	t.calls.addPostgres(t.ctx)
	return t.Tx.Commit()
}
