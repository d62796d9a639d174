"""The import report: counts per kind and outcome, and the problems worth reading."""

import collections

OUTCOMES = ("created", "updated", "skipped", "failed")
MAX_PROBLEMS = 2000  # a huge export with a recurring problem keeps memory bounded


class Report:
    def __init__(self):
        self.counts = collections.defaultdict(collections.Counter)
        self.reasons = collections.defaultdict(collections.Counter)  # (kind, outcome) → reason
        self.problems = []
        self.problems_left_off = 0
        self._noted = set()
        self.items = 0

    def count(self, kind, outcome, reason="", key=""):
        self.counts[kind][outcome] += 1
        if reason:
            self.reasons[(kind, outcome)][reason] += 1
        if reason and outcome == "failed":
            self.note(kind, key, reason)

    def note(self, kind, key, message):
        """Something an editor should read: a failure, a missing file, a dropped shortcode."""
        if (kind, str(key), str(message)) in self._noted:
            return
        if len(self.problems) < MAX_PROBLEMS:
            self._noted.add((kind, str(key), str(message)))
            self.problems.append({"kind": kind, "item": str(key), "problem": str(message)})
        else:
            self.problems_left_off += 1

    def counts_table(self):
        return {
            kind: {o: counter[o] for o in OUTCOMES if counter[o]}
            for kind, counter in sorted(self.counts.items())
        }

    def lines(self):
        """The report as the console shows it."""
        out = []
        for kind, counter in sorted(self.counts.items()):
            figures = ", ".join(f"{counter[o]} {o}" for o in OUTCOMES if counter[o])
            out.append(f"{kind}: {figures}")
            for (k, outcome), reasons in sorted(self.reasons.items()):
                if k == kind:
                    for reason, n in reasons.most_common():
                        out.append(f"    {outcome}: {reason} ({n})")
        if self.problems:
            out.append("Problems:")
            out += [f"  {p['kind']} {p['item']}: {p['problem']}" for p in self.problems]
        if self.problems_left_off:
            out.append(f"  … and {self.problems_left_off} more")
        return out
