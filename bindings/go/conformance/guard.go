package conformance

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"time"
)

// Guard puts cases to upstream in a worker process, so that a case on which
// upstream never returns costs a timeout and a killed process instead of a
// goroutine spinning on a CPU until the program ends.
//
// The worker is any program that runs ServeWorker on its standard input and
// output; tests start their own binary again (see TestMain). A Guard is not
// safe for concurrent use.
type Guard struct {
	// Start returns the worker command, not yet started.
	Start func() *exec.Cmd
	// Timeout is how long one case may take.
	Timeout time.Duration

	cmd     *exec.Cmd
	stdin   io.WriteCloser
	answers chan []byte
}

// ErrTimeout is returned by Guard.Upstream for a case that took longer than
// the timeout; the worker has been killed.
var ErrTimeout = errors.New("upstream did not answer in time")

// wireAnswer is an Outcome on the worker's output.
type wireAnswer struct {
	Output  json.RawMessage `json:"output,omitempty"`
	ErrKind string          `json:"kind,omitempty"`
	ErrMsg  string          `json:"message,omitempty"`
	// Failure is the error of Upstream itself.
	Failure string `json:"failure,omitempty"`
}

// Upstream answers a case as the package function Upstream does, in the
// worker. It returns ErrTimeout when the worker takes longer than Timeout.
func (g *Guard) Upstream(c *Case) (Outcome, error) {
	line, err := json.Marshal(c)
	if err != nil {
		return Outcome{}, err
	}
	if g.cmd == nil {
		if err := g.start(); err != nil {
			return Outcome{}, err
		}
	}
	if _, err := g.stdin.Write(append(line, '\n')); err != nil {
		g.Close()
		return Outcome{}, fmt.Errorf("writing to the worker: %w", err)
	}
	timer := time.NewTimer(g.Timeout)
	defer timer.Stop()
	select {
	case data, ok := <-g.answers:
		if !ok {
			g.Close()
			return Outcome{}, errors.New("the worker exited")
		}
		var a wireAnswer
		if err := json.Unmarshal(data, &a); err != nil {
			return Outcome{}, fmt.Errorf("worker answered %q: %w", data, err)
		}
		if a.Failure != "" {
			return Outcome{}, errors.New(a.Failure)
		}
		return Outcome{Output: a.Output, ErrKind: a.ErrKind, ErrMsg: a.ErrMsg}, nil
	case <-timer.C:
		g.Close()
		return Outcome{}, ErrTimeout
	}
}

func (g *Guard) start() error {
	cmd := g.Start()
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting the worker: %w", err)
	}
	answers := make(chan []byte)
	go func() {
		defer close(answers)
		scanner := bufio.NewScanner(stdout)
		scanner.Buffer(make([]byte, 1<<20), 64<<20)
		for scanner.Scan() {
			answers <- append([]byte(nil), scanner.Bytes()...)
		}
	}()
	g.cmd, g.stdin, g.answers = cmd, stdin, answers
	return nil
}

// Close stops the worker, if one runs.
func (g *Guard) Close() {
	if g.cmd == nil {
		return
	}
	g.stdin.Close()
	_ = g.cmd.Process.Kill()
	_ = g.cmd.Wait()
	// Let the reader finish so that its goroutine ends.
	for range g.answers {
	}
	g.cmd, g.stdin, g.answers = nil, nil, nil
}

// ServeWorker is the worker's side of a Guard: it reads one case per line
// from r, answers it with Upstream and writes one answer line to w, until r
// ends. The option gates must be enabled already.
//
// A worker spinning in upstream's loop never reads r again, so it would
// outlive a parent that dies without killing it (a test binary stopped by
// -timeout): ServeWorker exits the process once its parent is gone.
func ServeWorker(r io.Reader, w io.Writer, named NamedTopologies) error {
	go exitWithParent(os.Getppid())
	scanner := bufio.NewScanner(r)
	scanner.Buffer(make([]byte, 1<<20), 64<<20)
	out := bufio.NewWriter(w)
	for scanner.Scan() {
		var a wireAnswer
		c, err := DecodeCase(scanner.Bytes())
		if err == nil {
			var o Outcome
			o, err = Upstream(c, named)
			a = wireAnswer{Output: o.Output, ErrKind: o.ErrKind, ErrMsg: o.ErrMsg}
		}
		if err != nil {
			a = wireAnswer{Failure: err.Error()}
		}
		data, err := json.Marshal(a)
		if err != nil {
			return err
		}
		if _, err := out.Write(append(data, '\n')); err != nil {
			return err
		}
		if err := out.Flush(); err != nil {
			return err
		}
	}
	return scanner.Err()
}

// exitWithParent ends the process when its parent process is gone (it is
// then reparented, so its parent id changes).
func exitWithParent(parent int) {
	for range time.Tick(500 * time.Millisecond) {
		if os.Getppid() != parent {
			os.Exit(3)
		}
	}
}
