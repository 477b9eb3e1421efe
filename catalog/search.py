"""Korean-aware product search.

PostgreSQL's `simple` text search splits on spaces only, and pg_trgm sees no trigrams in
Hangul under the C locale and none in two-syllable words anywhere. So the app keeps, per
product, the set of single characters and character pairs (bigrams) of its name, summary,
vendor and category in `search_grams`; PostgreSQL indexes `string_to_array(search_grams,
' ')` with GIN and a query becomes "the product's grams contain all the query's grams",
which works for any word length and any locale. A substring check then drops the rare
false positives. SQLite, for the embedded default, does the substring check alone.
"""
import hashlib
import json
import re

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import BooleanField, Case, IntegerField, Q, Value, When
from django.db.models.expressions import RawSQL

_WORD_RE = re.compile(r"[0-9a-zA-Z\uac00-\ud7a3\u3131-\u318e]+")
# Particles (조사) a search word often carries: "사과를" still finds 사과.
_PARTICLES = sorted(
    ["을", "를", "이", "가", "은", "는", "의", "에", "에서", "에게", "으로", "로", "와", "과", "도", "만", "까지",
     "부터", "랑", "이랑", "하고", "처럼", "보다", "이나", "나"],
    key=len, reverse=True,
)
MAX_QUERY_WORDS = 5
# Past this many matches a search says "5,000개 이상" instead of counting every one.
COUNT_CAP = 5000
# The first page of a query asked again within FREQUENT_WINDOW is kept this long (ids and count;
# the cards are read fresh), under the catalogue version so any change to the catalogue drops it.
FIRST_PAGE_SECONDS = 60
FREQUENT_WINDOW = 600


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD_RE.findall(text or "")]


def grams(text: str) -> set[str]:
    """Single characters and adjacent pairs of every word of `text`."""
    out = set()
    for word in words(text):
        out.update(word)
        out.update(word[i : i + 2] for i in range(len(word) - 1))
    return out


def grams_text(*parts: str) -> str:
    return " ".join(sorted(grams(" ".join(p for p in parts if p))))


def _stem(word: str) -> str | None:
    for particle in _PARTICLES:
        if word.endswith(particle) and len(word) > len(particle):
            return word[: -len(particle)]
    return None


def query_terms(query: str) -> list[tuple[str, ...]]:
    """Each query word with the forms it may match: itself, and without a trailing particle."""
    terms = []
    for word in words(query)[:MAX_QUERY_WORDS]:
        stem = _stem(word)
        terms.append((word, stem) if stem else (word,))
    return terms


_TEXT_FIELDS = ("name", "summary", "vendor__name", "category__name")


def _substring_q(form: str) -> Q:
    q = Q()
    for field in _TEXT_FIELDS:
        q |= Q(**{f"{field}__icontains": form})
    return q


def _grams_q(form: str) -> Q:
    needed = sorted(grams(form) if len(form) == 1 else {form[i : i + 2] for i in range(len(form) - 1)})
    expression = RawSQL(
        "string_to_array(catalog_product.search_grams, ' ') @> %s::text[]", (needed,), output_field=BooleanField()
    )
    return Q(expression)


def product_search(queryset, query: str):
    """Filter `queryset` to products matching every word of `query`, best matches first."""
    terms = query_terms(query)
    if not terms:
        return queryset.none()
    use_grams = connection.vendor == "postgresql"
    for forms in terms:
        match = Q()
        for form in forms:
            if use_grams:
                # One or two characters are matched exactly by the grams; longer words could
                # have their pairs in another order, so the substring check confirms them.
                form_q = _grams_q(form) if len(form) <= 2 else _grams_q(form) & _substring_q(form)
            else:
                form_q = _substring_q(form)
            match |= form_q
        queryset = queryset.filter(match)
    phrase = " ".join(forms[0] for forms in terms)
    first = terms[0][-1]
    rank = Case(
        When(name__iexact=phrase, then=Value(0)),
        When(name__istartswith=first, then=Value(1)),
        When(name__icontains=first, then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )
    return queryset.annotate(search_rank=rank).order_by("search_rank", "-in_stock", "-popularity", "-id")


GIN_INDEX_SQL = (
    "CREATE INDEX IF NOT EXISTS catalog_product_grams_gin ON catalog_product "
    "USING gin (string_to_array(search_grams, ' '))"
)


class CappedPaginator(Paginator):
    """A paginator that stops counting at COUNT_CAP (`capped` then says there are more)."""

    capped = False

    @property
    def count(self):
        if "_count" not in self.__dict__:
            counted = self.object_list.order_by()[: COUNT_CAP + 1].count()
            self.__dict__["_count"] = min(counted, COUNT_CAP)
            self.capped = counted > COUNT_CAP
        return self.__dict__["_count"]


def _first_page_key(filters: dict, per_page: int, version: int) -> str:
    raw = json.dumps({k: v for k, v in sorted(filters.items()) if v not in (None, "", False)}, default=str)
    return f"catalog:search:{version}:{per_page}:{hashlib.sha256(raw.encode()).hexdigest()[:32]}"


def search_first_page(queryset, *, filters: dict, per_page: int, version: int, cards) -> Page:
    """The first page of a search, from the cache when the same search was asked a moment ago.

    What is kept is the page's product ids and the count; the products themselves are read again
    (`cards(ids)`: on sale now, with what a card shows), so a product hidden meanwhile drops out
    and prices are today's.
    """
    key = _first_page_key(filters, per_page, version)
    paginator = CappedPaginator(queryset, per_page)
    kept = cache.get(key)
    if kept is not None:
        ids, count, capped = kept
        paginator.__dict__["_count"], paginator.capped = count, capped
        by_id = {product.pk: product for product in cards(ids)}
        return paginator._get_page([by_id[pk] for pk in ids if pk in by_id], 1, paginator)
    page = paginator.page(1) if paginator.count else paginator._get_page([], 1, paginator)
    products = list(page.object_list)
    page.object_list = products
    seen_key = f"{key}:seen"
    if not cache.add(seen_key, 1, FREQUENT_WINDOW):  # asked before: worth keeping
        cache.set(key, ([p.pk for p in products], paginator.count, paginator.capped), FIRST_PAGE_SECONDS)
    return page
