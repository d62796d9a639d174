"""Capped counts: the queue counts each view's rows up to 1,000 and shows more as "1,000+".

A count over a million comments reads every matching index entry on each page load (0.4 s and
more for the views' counts alone). Counting ``SELECT 1 … LIMIT 1001`` instead reads at most
1,001 entries of the view's index, so it costs the same at any volume, stays exact where a
moderator reads it (a queue of a few hundred comments), and can never drift. Maintained counters
would be exact at any size, but every status change, report and retention run would have to
update them (and bulk ``update()`` calls bypass the verbs); PostgreSQL's planner estimates are
cheap but wrong for small, filtered views such as "awaiting spam check".
"""

from django.core.paginator import Paginator
from django.db import connections
from django.utils.formats import number_format
from django.utils.functional import cached_property

from articles.changelist import CheckedChangeList

CAP = 1000


def capped_counts(querysets):
    """Each queryset's row count, counted no further than ``CAP + 1``, in one query.

    ``querysets`` maps names to querysets of one database; returns the names with their counts.
    """
    parts, params = [], []
    for queryset in querysets.values():
        sql, sql_params = queryset.order_by().values("pk")[: CAP + 1].query.sql_with_params()
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) capped)")
        params.extend(sql_params)
    database = next(iter(querysets.values())).db
    with connections[database].cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(parts)}", params)
        return dict(zip(querysets, cursor.fetchone(), strict=True))


def count_label(count):
    """The count as shown: "1,000+" once it passes the cap."""
    if count > CAP:
        return f"{number_format(CAP, force_grouping=True)}+"
    return number_format(count, force_grouping=True)


class CappedPaginator(Paginator):
    """A paginator whose count stops at ``CAP + 1``: pages run to the cap, then filters help."""

    @cached_property
    def count(self):
        # Unordered: any index that finds the rows will do; the order only matters for a page.
        return self.object_list.order_by()[: CAP + 1].count()


class CappedChangeList(CheckedChangeList):
    """The changelist, with its capped count as shown in the pagination and the actions bar."""

    @property
    def result_count_label(self):
        return count_label(self.result_count)

    @property
    def is_count_capped(self):
        return self.result_count > CAP
