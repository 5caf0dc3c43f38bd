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
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/minima-project/minima/report"
)

func main() {
	// An interrupted run leaves no half-written output: remove the temporary
	// files and directories, then exit as the shell expects (128 + signal).
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		s := <-sig
		report.RemovePending()
		fmt.Fprintf(os.Stderr, "minima: interrupted (%v); unfinished output removed\n", s)
		code := 130
		if s == syscall.SIGTERM {
			code = 143
		}
		os.Exit(code)
	}()
	os.Exit(run(os.Args))
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
		},
		OnUsageError:    onUsageError,
		HideHelpCommand: false,
		ExitErrHandler:  func(*cli.Context, error) {},
	}
	for _, c := range app.Commands {
		c.OnUsageError = onUsageError
	}
	err := app.Run(args)
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
