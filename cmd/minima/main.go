// Command minima trains ReLU networks and measures the geometry of their minima:
// Hessian spectra, sharpness, flatness, and how reparametrisations move them.
//
// Each command is a file here; they only parse flags, wire the packages
// together and write results. Run `minima help` for the list.
package main

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/minima-project/minima/report"
)

// exitSignals end a run: each removes the unfinished output and exits with
// status 128+signal (SIGKILL cannot be caught; its leftovers are removed by
// the next run writing next to them, see report.RemoveStaleTemps).
var exitSignals = []os.Signal{
	syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGPIPE,
	syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGALRM, syscall.SIGXCPU, syscall.SIGXFSZ,
}

// caught is the number of the signal ending the run (0: none).
var caught atomic.Int32

func main() {
	// An interrupted run leaves no half-written output: remove the temporary
	// files and directories, then exit as the shell expects (128 + signal).
	// Catching SIGQUIT also keeps the Go runtime from dumping goroutines.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, exitSignals...)
	go func() {
		s := <-sig
		n := int(s.(syscall.Signal))
		caught.Store(int32(n))
		report.RemovePending()
		fmt.Fprintf(os.Stderr, "minima: interrupted (%v); unfinished output removed\n", s)
		os.Exit(128 + n)
	}()
	stop := startProfile()
	code := run(os.Args)
	stop()
	waitIfInterrupted()
	os.Exit(code)
}

// waitIfInterrupted blocks forever once a signal is being handled: the
// handler exits with 128+signal, and whatever the interrupted work returned
// (typically an error from a write the handler made fail) must neither be
// printed nor turn into another exit status.
func waitIfInterrupted() {
	if caught.Load() == 0 {
		return
	}
	for {
		time.Sleep(time.Hour)
	}
}

// version is this build's module version and VCS revision, for the marker
// of output directories.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	v := bi.Main.Version
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			v += " " + s.Value
		case "vcs.modified":
			if s.Value == "true" {
				v += " (modified)"
			}
		}
	}
	return v
}

func run(args []string) int {
	unknown := ""
	app := &cli.App{
		CommandNotFound: func(_ *cli.Context, name string) { unknown = name },
		Name:            "minima",
		Usage:           "geometry of neural-network minima: Hessian spectra, sharpness, reparametrisations",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no progress output on stderr"},
		},
		Commands: []*cli.Command{
			trainCommand(),
			evalCommand(),
			hessianCommand(),
			sharpnessCommand(),
			reparamCommand(),
			studyCommand(),
			mergeCommand(),
			batchsizeCommand(),
		},
		OnUsageError:    onUsageError,
		HideHelpCommand: false,
		ExitErrHandler:  func(*cli.Context, error) {},
	}
	for _, c := range app.Commands {
		c.OnUsageError = onUsageError
		action, name := c.Action, c.Name
		c.Action = func(ctx *cli.Context) error {
			report.SetProducer("minima "+name, version())
			return action(ctx)
		}
	}
	err := app.Run(args)
	if err != nil {
		waitIfInterrupted()
	}
	if unknown != "" {
		fmt.Fprintf(os.Stderr, "minima: unknown command %q (see 'minima --help')\n", unknown)
		return 2
	}
	if err == nil {
		return 0
	}
	var ue usageError
	if errors.As(err, &ue) {
		help := "minima --help"
		if ue.cmd != "" {
			help = "minima " + ue.cmd + " --help"
		}
		fmt.Fprintf(os.Stderr, "minima: %v (see '%s')\n", ue.err, help)
		return 2
	}
	if errors.Is(err, report.ErrExists) {
		// A directory appeared at the output path while the command ran.
		fmt.Fprintf(os.Stderr, "minima: %v (use --overwrite to replace it)\n", err)
		return 1
	}
	fmt.Fprintf(os.Stderr, "minima: %v\n", err)
	return 1
}

// usageError is a problem with the command line: exit status 2.
type usageError struct {
	cmd string
	err error
}

func (u usageError) Error() string { return u.err.Error() }

func usagef(c *cli.Context, format string, args ...any) error {
	return usageError{cmd: c.Command.Name, err: fmt.Errorf(format, args...)}
}

func onUsageError(c *cli.Context, err error, _ bool) error {
	name := ""
	if c.Command != nil && c.Command.Name != c.App.Name {
		name = c.Command.Name
	}
	return usageError{cmd: name, err: err}
}

// quiet reports whether progress output is off (--quiet before or after the
// command name).
func quiet(c *cli.Context) bool {
	for _, l := range c.Lineage() {
		if l.Bool("quiet") {
			return true
		}
	}
	return false
}
