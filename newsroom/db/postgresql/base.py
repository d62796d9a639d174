"""Django's PostgreSQL backend, with a health check that costs no round trip.

With ``CONN_HEALTH_CHECKS`` Django asks a kept connection ``SELECT 1`` at the start of every
request before using it: one more round trip for each request, a seventh of a comment post's
and half of a cached article's. An idle connection has nothing to say, so this one looks at its
socket instead: a server that ended the session (a restart, ``pg_terminate_backend``, an idle
timeout, a crashed backend) has left a message or the end of the stream there. Only then, or
when the connection is not idle, is ``SELECT 1`` asked, as Django would.

The price: a peer that vanished without a word (a failover that moved the address, a host
that crashed, a firewall that forgot an idle connection) leaves nothing on the socket. Django's
``SELECT 1`` would meet the reset and reconnect before the request; here the request's own
first query meets it, and that request is answered 503 (the reader's text kept), once per
process. TCP keepalives (settings) turn a connection that died while idle into a readable
socket, which this check then catches. ``DATABASE_HEALTH_CHECK=query`` keeps Django's check.
"""

import select

from django.db.backends.postgresql import base
from psycopg import Error, pq


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self):
        connection = self.connection
        if connection is None or connection.closed:
            return False
        if connection.info.transaction_status == pq.TransactionStatus.IDLE:
            try:
                waiting = _readable(connection.fileno())
            except (OSError, ValueError, Error):  # the socket is gone
                return False
            if not waiting:
                return True
        return super().is_usable()


def _readable(fd):
    """Whether ``fd`` has data or its end waiting, without waiting itself."""
    if hasattr(select, "poll"):  # not limited to descriptors under 1024, as select() is
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        return bool(poller.poll(0))
    return bool(select.select([fd], [], [], 0)[0])
