"""The comments the posting benchmark's readers left, as the database holds them.

``python -m benchmarks.django_run posting_rows DOMAIN OUT.json`` writes one row per comment
whose e-mail address is at DOMAIN: pk, e-mail, body, IP address, submitted_at (seconds since
the epoch) and status. The harness compares them with the answers its posters received.
"""

import json
from pathlib import Path

from comments.models import Comment


def main(domain, out_path):
    rows = [
        {"pk": pk, "email": email, "body": body, "ip": ip,
         "submitted_at": submitted_at.timestamp(), "status": status}
        for pk, email, body, ip, submitted_at, status in Comment.objects.filter(
            email__endswith=f"@{domain}"
        ).values_list("pk", "email", "body", "ip", "submitted_at", "status")
    ]  # fmt: skip
    Path(out_path).write_text(json.dumps(rows))
