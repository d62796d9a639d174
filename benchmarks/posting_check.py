"""What the posting benchmark's answers and stored rows must agree on, and the figures.

Pure functions over the posts sent (``posting_load.Post``) and the rows read back
(``posting_rows``): no server, no database. ``check()`` returns a ``Figures``; its
``failures()`` are the broken invariants that make the benchmark exit non-zero.
"""

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field

ACCEPTED, DUPLICATE, FLOOD = 302, 409, 429


@dataclass
class Figures:
    stack: str
    window: int
    duration: float
    attempted: int = 0
    statuses: Counter = field(default_factory=Counter)
    stored: int = 0
    lost: list = field(default_factory=list)  # accepted, but no such row (or another text)
    extra: list = field(default_factory=list)  # stored, but no poster was told it was accepted
    duplicates: int = 0  # rows beyond the first with the same e-mail and body
    flood_violations: list = field(default_factory=list)  # (key, gap in seconds)
    min_gap: dict = field(default_factory=dict)  # "ip" / "e-mail" -> the smallest gap
    slack: dict = field(default_factory=dict)  # "ip" / "e-mail" -> median gap beyond the window
    unexplained: Counter = field(default_factory=Counter)  # refusals no accepted post explains
    per_key: dict = field(default_factory=dict)  # group label -> accepted counts per key
    rounds: Counter = field(default_factory=Counter)  # comments stored per twin round -> rounds
    latency_ms: dict = field(default_factory=dict)

    @property
    def ceiling(self):
        """The most comments one IP or e-mail address can get in during the run."""
        return int(self.duration // self.window) + 1

    def count(self, *codes):
        return sum(self.statuses[code] for code in codes)

    @property
    def server_errors(self):
        return sum(n for code, n in self.statuses.items() if code >= 500)

    @property
    def other_4xx(self):
        return {c: n for c, n in self.statuses.items() if 400 <= c < 500 and c not in (409, 429)}

    def failures(self):
        found = {
            "5xx responses": self.server_errors,
            "accepted comments not stored": len(self.lost),
            "stored comments never accepted": len(self.extra),
            "duplicate rows": self.duplicates,
            "flood violations": len(self.flood_violations),
            "refusals no accepted comment explains": sum(self.unexplained.values()),
            "twin rounds with more than one comment stored": sum(
                n for stored, n in self.rounds.items() if stored > 1
            ),
        }
        return {name: n for name, n in found.items() if n}

    def warnings(self):
        """Posts the server never answered: lost requests, not broken guarantees (were one of
        them stored, it would show as stored but never accepted)."""
        unanswered = self.statuses[0]
        return {"requests without an HTTP answer": unanswered} if unanswered else {}


def check(stack, posts, rows, window, duration):
    figures = Figures(stack, window, duration, attempted=len(posts))
    figures.statuses = Counter(post.status for post in posts)
    figures.stored = len(rows)
    accepted = [post for post in posts if post.status == ACCEPTED]
    compare_rows(figures, accepted, rows)
    figures.duplicates = sum(n - 1 for n in Counter((r["email"], r["body"]) for r in rows).values())
    check_flood(figures, rows, window)
    figures.unexplained = unexplained_refusals(posts, accepted, window)
    figures.per_key = accepted_per_key(posts)
    figures.rounds = twin_rounds(posts, rows)
    figures.latency_ms = latency(posts)
    return figures


def compare_rows(figures, accepted, rows):
    by_pk = {row["pk"]: row for row in rows}
    for post in accepted:
        row = by_pk.get(post.pk)
        sent = (post.email, post.body, post.ip)
        if row is None or (row["email"], row["body"], row["ip"]) != sent:
            figures.lost.append(post.pk)
    told = {post.pk for post in accepted}
    figures.extra = [pk for pk in by_pk if pk not in told]


def check_flood(figures, rows, window):
    """No two stored comments from one IP, or one e-mail address, closer than the window."""
    for label, column in (("ip", "ip"), ("e-mail", "email")):
        times = defaultdict(list)
        for row in rows:
            times[row[column]].append(row["submitted_at"])
        gaps = []
        for key, stamps in times.items():
            stamps.sort()
            for earlier, later in zip(stamps, stamps[1:], strict=False):
                gaps.append(later - earlier)
                if later - earlier < window:
                    figures.flood_violations.append((f"{label} {key}", round(later - earlier, 4)))
        figures.min_gap[label] = round(min(gaps), 4) if gaps else None
        figures.slack[label] = round(statistics.median(gaps) - window, 3) if gaps else None


def unexplained_refusals(posts, accepted, window):
    """409s with no accepted twin sent before them, and 429s with no accepted comment from the
    same IP or e-mail address whose window (from its sending to its answer plus the window)
    overlaps theirs. A refusal caused by a claim that another refused post briefly held shows
    here: the gate was stricter than its rule."""
    by_text, by_key = defaultdict(list), defaultdict(list)
    for post in accepted:
        by_text[(post.email, post.body)].append(post)
        by_key[("ip", post.ip)].append(post)
        by_key[("email", post.email)].append(post)
    found = Counter()
    for post in posts:
        if post.status == DUPLICATE:
            if not any(a.sent <= post.received for a in by_text[(post.email, post.body)]):
                found[DUPLICATE] += 1
        elif post.status == FLOOD:
            earlier = by_key[("ip", post.ip)] + by_key[("email", post.email)]
            if not any(a.sent <= post.received and a.received + window >= post.sent
                       for a in earlier):  # fmt: skip
                found[FLOOD] += 1
    return found


def accepted_per_key(posts):
    """For each group of steady posters, the comments accepted per flood key it shares."""
    groups = defaultdict(Counter)
    for post in posts:
        if post.group != "twins":
            key = post.email if post.group == "shared" else post.ip
            groups[post.group][key] += post.status == ACCEPTED
    return {group: sorted(counts.values()) for group, counts in groups.items()}


def twin_rounds(posts, rows):
    stored = Counter((r["email"], r["body"]) for r in rows)
    texts = {(p.round, p.email, p.body) for p in posts if p.group == "twins"}
    return Counter(stored[(email, body)] for _round, email, body in texts)


def latency(posts):
    times = sorted((p.received - p.sent) * 1000 for p in posts if p.status)
    if not times:
        return {}
    return {
        "p50": round(statistics.median(times)),
        "p99": round(times[min(len(times) - 1, int(len(times) * 0.99))]),
        "max": round(times[-1]),
    }
