import { describe, expect, it } from "vitest";
import { useNamespace, waitFor } from "../support/cluster.js";
import { kubectl } from "./util.js";

const crd = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.harness.bugforge.dev
spec:
  group: harness.bugforge.dev
  scope: Namespaced
  names: { plural: widgets, singular: widget, kind: Widget }
  versions:
  - name: v1
    served: true
    storage: true
    subresources: { status: {} }
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            required: [size]
            properties:
              size: { type: integer, minimum: 1 }
              color: { type: string, enum: [red, blue] }
`;

describe("kubectl against the test cluster", () => {
  const ns = useNamespace("kubectl");

  it("reports the real server version", () => {
    const r = kubectl(["version", "-o", "json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).serverVersion.gitVersion).toBe("v1.34.4");
  });

  it("applies, gets, waits for and reads the logs of a Job", () => {
    const job = `
apiVersion: batch/v1
kind: Job
metadata: { name: hello }
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: main
        image: test/node:latest
        command: [node, -e, "console.log('hello via kubectl')"]
`;
    const apply = kubectl(["apply", "-n", ns.name, "-f", "-"], job);
    expect(apply.code, apply.stderr).toBe(0);
    expect(apply.stdout).toContain("job.batch/hello created");
    const get = kubectl(["get", "-n", ns.name, "job", "hello", "-o", "jsonpath={.spec.completions}"]);
    expect(get.code, get.stderr).toBe(0);
    expect(get.stdout).toBe("1");
    const wait = kubectl(["wait", "-n", ns.name, "--for=condition=complete", "job/hello", "--timeout=90s"]);
    expect(wait.code, wait.stderr).toBe(0);
    const logs = kubectl(["logs", "-n", ns.name, "job/hello"]);
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toContain("hello via kubectl");
    const pods = kubectl(["get", "pods", "-n", ns.name, "-o", "wide"]);
    expect(pods.stdout).toContain("Completed");
  });

  it("follows a running container's log with kubectl logs -f until it exits", async () => {
    const run = kubectl(["run", "-n", ns.name, "talker", "--image=test/node", "--restart=Never", "--command", "--", "node", "-e", "console.log('first'); setTimeout(() => console.log('second'), 1500)"]);
    expect(run.code, run.stderr).toBe(0);
    await waitFor(() => kubectl(["get", "pod", "-n", ns.name, "talker", "-o", "jsonpath={.status.phase}"]).stdout === "Running", { what: "talker Running" });
    const follow = kubectl(["logs", "-f", "-n", ns.name, "talker"]);
    expect(follow.code, follow.stderr).toBe(0);
    expect(follow.stdout).toBe("first\nsecond\n");
    const tail = kubectl(["logs", "-n", ns.name, "talker", "--tail=1"]);
    expect(tail.stdout).toBe("second\n");
  });

  it("refuses a custom resource with an invalid field, naming the field", async () => {
    const c = kubectl(["apply", "-f", "-"], crd);
    expect(c.code, c.stderr).toBe(0);
    const est = kubectl(["wait", "--for=condition=established", "crd/widgets.harness.bugforge.dev", "--timeout=60s"]);
    expect(est.code, est.stderr).toBe(0);
    // Discovery may lag a moment behind Established.
    await waitFor(() => kubectl(["get", "widgets", "-n", ns.name]).code === 0, { what: "widgets in discovery", timeoutMs: 30_000 });

    const good = kubectl(["apply", "-n", ns.name, "-f", "-"], "apiVersion: harness.bugforge.dev/v1\nkind: Widget\nmetadata: { name: ok }\nspec: { size: 2, color: red }\n");
    expect(good.code, good.stderr).toBe(0);

    const badType = kubectl(["apply", "-n", ns.name, "-f", "-"], "apiVersion: harness.bugforge.dev/v1\nkind: Widget\nmetadata: { name: bad }\nspec: { size: big }\n");
    expect(badType.code).not.toBe(0);
    expect(badType.stderr).toContain("spec.size");

    const badEnum = kubectl(["apply", "-n", ns.name, "-f", "-"], "apiVersion: harness.bugforge.dev/v1\nkind: Widget\nmetadata: { name: bad2 }\nspec: { size: 1, color: green }\n");
    expect(badEnum.code).not.toBe(0);
    expect(badEnum.stderr).toContain("spec.color");

    const unknown = kubectl(["apply", "-n", ns.name, "-f", "-"], "apiVersion: harness.bugforge.dev/v1\nkind: Widget\nmetadata: { name: bad3 }\nspec: { size: 1, bogus: true }\n");
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain("spec.bogus");
  });
});
