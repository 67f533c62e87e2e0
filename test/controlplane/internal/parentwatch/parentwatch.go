// Package parentwatch makes a test control plane component stop when the process
// that launched it dies (a test runner killed by a timeout, say), so no etcd or
// kube-apiserver outlives its test run. Enabled by BUGFORGE_EXIT_WITH_PARENT=1,
// which test/support/controlplane.ts sets; without it the binaries behave as usual.
package parentwatch

import (
	"os"
	"syscall"
	"time"
)

// Start watches the parent process in the background: when this process is
// re-parented (the parent died), it sends itself SIGTERM for a graceful shutdown
// and exits hard 10 seconds later.
func Start() {
	if os.Getenv("BUGFORGE_EXIT_WITH_PARENT") != "1" {
		return
	}
	parent := os.Getppid()
	go func() {
		for {
			time.Sleep(time.Second)
			if os.Getppid() != parent {
				_ = syscall.Kill(os.Getpid(), syscall.SIGTERM)
				time.Sleep(10 * time.Second)
				os.Exit(1)
			}
		}
	}()
}
