// Command kubelet is k8s.io/kubernetes/cmd/kubelet, plus parentwatch (exit with the test runner).
// The real-node test harness (test/support/node) runs it against Debian's containerd.
package main

import (
	"context"
	"os"

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"          // for JSON log format registration
	_ "k8s.io/component-base/metrics/prometheus/clientgo" // for client metric registration
	_ "k8s.io/component-base/metrics/prometheus/version"  // for version metric registration
	"k8s.io/kubernetes/cmd/kubelet/app"

	"bugforge.dev/testcontrolplane/internal/parentwatch"
)

func main() {
	parentwatch.Start()
	os.Exit(cli.Run(app.NewKubeletCommand(context.Background())))
}
