"""The chaos soak's manifests beside bench/reconcile's (svc-0..2 and the `front` split, in mesh.yaml): retry
policies, a canary set (`web` split over web-v1 / web-v2 with a Rollout at short intervals) and one extra Service
that is applied, deleted and applied again. Each kind of change has its own file, so applying the directory after
one change leaves every other object unchanged."""
import os

from mesh import port_base, service_doc

CANARY_FILE, EXTRA_FILE, RETRIES_FILE = "canary.yaml", "extra.yaml", "retries.yaml"


def retries(out):
    """A user's usual policy on the services the load reaches: retry what never reached a workload (connect failures,
    resets, 502/503/504), never a workload's own 500, so the faulty canary's errors still reach analysis. On the
    split's backends, not on the roots `front` and `web`: a sidecar applies the policy of the backend a split picked
    (Sources/Sidecar/Proxy/LoopContext.swift `route`), so a policy on a root does nothing for split traffic."""
    docs = [f"""apiVersion: mesh.meshctl.dev/v1alpha1
kind: RetryPolicy
metadata: {{name: {name}}}
spec:
  service: {name}
  attempts: 2
  perTryTimeout: 1s
  timeout: 3s
  retryOn: [connect-failure, reset, gateway-error]
""" for name in ("svc-0", "svc-1", "web-v1", "web-v2")]
    _write(out, RETRIES_FILE, "---\n".join(docs))


def canary(out, version, error_rate):
    """web (root) split over web-v1 (stable) and web-v2 (canary, running VERSION with ERROR_RATE of its answers 500),
    2 replicas each: a killed replica is then retried on the other, as for every other Service here. Changing web-v2's
    command starts a rollout."""
    base = port_base() + 20
    health = "{path: /healthz, interval: 1s, timeout: 500ms}"
    _write(out, CANARY_FILE, f"""apiVersion: mesh.meshctl.dev/v1alpha1
kind: Service
metadata: {{name: web}}
spec: {{port: {base}}}
---
{service_doc("web-v1", base + 1, "--version, v1", 2, health)}---
{service_doc("web-v2", base + 2, f'--version, "{version}", --error-rate, "{error_rate}"', 2, health)}---
apiVersion: split.smi-spec.io/v1alpha4
kind: TrafficSplit
metadata: {{name: web}}
spec:
  service: web
  backends:
  - {{service: web-v1, weight: 100}}
  - {{service: web-v2, weight: 0}}
---
apiVersion: mesh.meshctl.dev/v1alpha1
kind: Rollout
metadata: {{name: web}}
spec:
  trafficSplit: web
  progressDeadline: 1m
  canary:
    stableService: web-v1
    canaryService: web-v2
    steps:
    - setWeight: 20
    - pause: {{duration: 3s}}
    - setWeight: 50
    - pause: {{duration: 3s}}
    analysis:
      interval: 3s
      threshold: 2
      minRequests: 5
      metrics:
      - name: request-success-rate
        thresholdRange: {{min: 99}}
""")


def extra(out, present):
    """The Service that comes and goes (1 replica, its own port)."""
    path = os.path.join(out, EXTRA_FILE)
    if not present:
        if os.path.exists(path):
            os.remove(path)
        return
    _write(out, EXTRA_FILE, service_doc("extra", port_base() + 30, "--version, extra", 1,
                                        "{path: /healthz, interval: 1s, timeout: 500ms}"))


def _write(out, name, text):
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, name), "w") as f:
        f.write(text)
