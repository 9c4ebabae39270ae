"""The soak's record: one JSON line per entry in a file per stream (events, client failures, samples, ...), and one
printed line per chaos event with its time of day and the time into the soak, so a failure can be matched to the
event before it."""
import json, os, threading, time


class Journal:
    def __init__(self, directory, start):
        self.directory = directory
        self.start = start
        self.lock = threading.Lock()
        os.makedirs(directory, exist_ok=True)

    def stamp(self, t=None):
        t = time.time() if t is None else t
        offset = max(0, int(t - self.start))
        into = f"+{offset // 60:02d}:{offset % 60:02d}"
        return time.strftime("%H:%M:%S", time.gmtime(t)) + f".{int(t % 1 * 1000):03d} {into}"

    def write(self, stream, **entry):
        entry.setdefault("t", time.time())
        with self.lock:
            with open(os.path.join(self.directory, stream + ".jsonl"), "a") as f:
                f.write(json.dumps(entry) + "\n")
        return entry

    def event(self, kind, detail, **extra):
        """A chaos event (or what the soak saw happen): written and printed."""
        entry = self.write("events", kind=kind, detail=detail, **extra)
        with self.lock:
            print(f"{self.stamp(entry['t'])} {kind:<16} {detail}", flush=True)
        return entry


def read(directory, stream):
    path = os.path.join(directory, stream + ".jsonl")
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]
