"""The chaos events. Each does one thing to the running mesh, as a person or a crash would, and logs one line: kills
(SIGKILL) of a workload, a sidecar, the gateway or the operator (restarted with `meshctl up` on the same state
directory: it adopts its processes), a weight change on `front` (timed to every proxy confirming it), the extra
Service applied or deleted, a canary (promoted when good, rolled back when faulty) and a data-plane upgrade (a new
`mesh-proxy` file next to `meshctl`)."""
import os, shutil, signal, socket, subprocess, time

import chaos_manifests
import mesh

ROLLOUT_DONE = ("Healthy", "Succeeded", "Failed", "Aborted")
# CHAOS_SPARE=slot,slot: slots the random workload and sidecar kills never pick (e.g. `svc-0/sidecar/0`, so one
# sidecar lives through the soak's churn long enough for its RSS slope after warm-up).
SPARED = {slot for slot in os.environ.get("CHAOS_SPARE", "").split(",") if slot}


def wait_until(predicate, timeout, step=0.05):
    """Polls PREDICATE until true or TIMEOUT seconds; returns the seconds waited, or None."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if predicate():
            return time.monotonic() - start
        time.sleep(step)
    return None


def gone(pid):
    return not os.path.exists(f"/proc/{pid}") or open(f"/proc/{pid}/stat").read().split(")")[-1].split()[0] == "Z"


class Chaos:
    def __init__(self, journal, observer, rng, state, manifests, meshctl, gateway_port, services):
        self.journal, self.observer, self.rng = journal, observer, rng
        self.state, self.out, self.meshctl, self.gateway_port = state, manifests, meshctl, gateway_port
        self.services = services
        self.weight, self.extra_present, self.canaries, self.upgrades = 50, False, 0, 0
        self.weight_changes = []  # (ms after apply returned, confirmed?)

    def _kill(self, pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            return False
        return True

    def kill_role(self, role):
        candidates = [p for p in self.observer.live(role) if p["slot"] not in SPARED]
        if not candidates:
            self.journal.event("kill-" + role, "skipped: none running")
            return
        victim = self.rng.choice(candidates)
        if self._kill(victim["pid"]):
            self.journal.event("kill-" + role, f"{victim['slot']} pid {victim['pid']}")

    def kill_gateway(self):
        victim = next(iter(self.observer.live("gateway")), None)
        if victim is None or not self._kill(victim["pid"]):
            self.journal.event("kill-gateway", "skipped: no gateway running")
            return
        self.journal.event("kill-gateway", f"pid {victim['pid']}")
        t0 = time.monotonic()
        replaced = wait_until(lambda: (self.observer.refresh() or True)
                              and (self.observer.slot_pid(victim["slot"]) or victim["pid"]) != victim["pid"], 30, 0.02)
        listening = wait_until(self._gateway_accepts, 30, 0.02)
        down = time.monotonic() - t0
        self.journal.event("seen", f"gateway back: new pid after {replaced or -1:.2f} s, port {self.gateway_port} "
                                   f"accepting after {down:.2f} s" if listening is not None else
                           "gateway NOT back within 30 s", gateway_down=down if listening is not None else None)

    def _gateway_accepts(self):
        s = socket.socket()
        try:
            s.settimeout(0.2)
            s.connect(("127.0.0.1", self.gateway_port))
            return True
        except OSError:
            return False
        finally:
            s.close()

    def kill_operator(self):
        self.observer.capture_propagation()  # its histogram dies with it
        pid = self.observer.operator_pid()
        if pid is None or not self._kill(pid):
            self.journal.event("kill-operator", "skipped: no operator pid")
            return
        wait_until(lambda: gone(pid), 5)
        self.journal.event("kill-operator", f"pid {pid}")
        t0 = time.monotonic()
        subprocess.run([self.meshctl, "up", "--state-dir", self.state, "--gateway-port", str(self.gateway_port)],
                       stdout=subprocess.DEVNULL, timeout=60, check=False)
        answering = wait_until(self.observer.refresh, 30, 0.05)
        back = time.monotonic() - t0
        self.journal.event("seen", f"operator back: `meshctl up` -> pid {self.observer.operator_pid()} answering "
                                   f"after {back:.2f} s" if answering is not None else
                           "operator NOT answering 30 s after `meshctl up`", operator_back=back if answering else None)

    def weight_change(self):
        self.weight = self.rng.choice([w for w in (0, 10, 25, 50, 75, 90, 100) if w != self.weight])
        mesh.manifests(self.out, self.services, self.weight)
        try:
            after, _, confirmed = mesh.apply_and_confirm(self.state, self.out, self.meshctl)
        except subprocess.CalledProcessError as e:
            self.journal.event("weight", f"front svc-1 -> {self.weight}%: apply FAILED (exit {e.returncode})")
            return
        self.weight_changes.append((after, confirmed))
        self.journal.event("weight", f"front svc-1 -> {self.weight}%: every proxy confirmed {after:.0f} ms after apply"
                           if confirmed else f"front svc-1 -> {self.weight}%: NOT confirmed within 20 s", ms=after,
                           confirmed=confirmed)

    def toggle_service(self):
        self.extra_present = not self.extra_present
        if self.extra_present:
            chaos_manifests.extra(self.out, True)
            command = [self.meshctl, "apply", "--state-dir", self.state, "-f", self.out]
        else:
            chaos_manifests.extra(self.out, False)
            command = [self.meshctl, "delete", "--state-dir", self.state, "service", "extra"]
        done = subprocess.run(command, capture_output=True, text=True, timeout=60)
        what = "apply" if self.extra_present else "delete"
        why = done.stderr.strip().splitlines()[-1] if done.returncode and done.stderr.strip() else ""
        self.journal.event("service", f"{what} Service extra: exit {done.returncode}" + (f" ({why})" if why else ""))

    def rollout_busy(self):
        return self.observer.rollout_phase not in (None,) + ROLLOUT_DONE

    def unstick_rollout(self, patience):
        """A rollout in one phase for longer than PATIENCE seconds is a finding: logged, then aborted so the soak's
        later canaries can run."""
        stuck = time.monotonic() - self.observer.rollout_since
        if stuck < patience:
            return
        self.journal.event("rollout", f"STUCK in {self.observer.rollout_phase} for {stuck:.0f} s: "
                                      "`meshctl rollout abort web`")
        subprocess.run([self.meshctl, "rollout", "abort", "--state-dir", self.state, "web"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60, check=False)

    def canary(self):
        """Alternately a good version (promoted) and a faulty one (half its answers 500: rolled back)."""
        self.canaries += 1
        faulty = self.canaries % 2 == 0
        version = f"v{self.canaries + 1}" + ("-faulty" if faulty else "")
        chaos_manifests.canary(self.out, version, 0.5 if faulty else 0)
        done = subprocess.run([self.meshctl, "apply", "--state-dir", self.state, "-f", self.out],
                              capture_output=True, text=True, timeout=60)
        expect = "faulty: expect rollback" if faulty else "expect promotion"
        self.journal.event("canary", f"web-v2 -> {version} ({expect}): apply exit {done.returncode}")

    def upgrade(self, proxy_path):
        """A new mesh-proxy file in place (as a rebuild leaves it: a new inode, different content). Without chaos for
        up to 90 s: counts the sidecars the operator replaces; none within 25 s means it does not roll data planes."""
        self.upgrades += 1
        before = {p["slot"]: p["pid"] for p in self.observer.live("sidecar")}
        gateway_before = self.observer.slot_pid("gateway/gateway/0")
        staged = proxy_path + ".new"
        shutil.copy2(proxy_path, staged)
        with open(staged, "ab") as f:
            f.write(f"\nmeshctl chaos soak data-plane upgrade {self.upgrades}\n".encode())
        os.replace(staged, proxy_path)
        self.journal.event("upgrade", f"new mesh-proxy in place ({len(before)} sidecars to roll)")

        def replaced():
            self.observer.refresh()
            now = {p["slot"]: p["pid"] for p in self.observer.live("sidecar")}
            return [s for s, pid in before.items() if now.get(s) not in (None, pid)]
        t0 = time.monotonic()
        if wait_until(lambda: replaced(), 25, 0.5) is None:
            self.journal.event("seen", "data-plane upgrade NOT SUPPORTED by this operator: no sidecar replaced within "
                                       "25 s of a new mesh-proxy (sidecars pick it up only when they restart)",
                               supported=False)
            return
        wait_until(lambda: len(replaced()) == len(before), 90, 0.5)
        gateway_now = self.observer.slot_pid("gateway/gateway/0")
        gateway = "replaced" if gateway_now != gateway_before else "kept"
        self.journal.event("seen", f"data-plane upgrade: {len(replaced())}/{len(before)} sidecars replaced in "
                                   f"{time.monotonic() - t0:.1f} s; gateway {gateway}", supported=True)
