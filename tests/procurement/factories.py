"""Factories shared by the procurement tests (add yours at the end; keep them small)."""
import factory
from django.utils import timezone

from procurement.models import (
    AgencyKind,
    AgencyMembership,
    AgencyRole,
    AgencyStatus,
    AgencyTarget,
    MembershipStatus,
    PublicAgency,
)
from tests.factories import UserFactory, business_number


class AgencyFactory(factory.django.DjangoModelFactory):
    """A verified agency."""

    class Meta:
        model = PublicAgency

    name = factory.Sequence(lambda n: f"충청남도 공공기관{n}")
    kind = AgencyKind.LOCAL_GOVERNMENT
    registration_number = factory.Sequence(lambda n: business_number(10_000 + n))
    region = "hongseong"
    postal_code = "32255"
    address = "충청남도 홍성군 홍북읍 충남대로 21"
    phone = "041-635-2000"
    email_domain = "chungnam.go.kr"
    status = AgencyStatus.VERIFIED
    verified_at = factory.LazyFunction(timezone.now)


class AgencyMembershipFactory(factory.django.DjangoModelFactory):
    """An active buyer of a verified agency."""

    class Meta:
        model = AgencyMembership

    user = factory.SubFactory(UserFactory)
    agency = factory.SubFactory(AgencyFactory)
    role = AgencyRole.BUYER
    status = MembershipStatus.ACTIVE
    verified_via = "operator"
    verified_at = factory.LazyFunction(timezone.now)


class AgencyTargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgencyTarget

    agency = factory.SubFactory(AgencyFactory)
    year = factory.LazyFunction(lambda: timezone.localdate().year)
    amount = 50_000_000


# --- purchases (an answered quote made with the ORM, without the quote services) -------------


def answered_quote(*, agency, vendor, buyer, lines, valid_until=None, other_vendors=()):
    """A request with one answered VendorQuote of `vendor` (and unanswered ones of `other_vendors`).

    lines: dicts with name, quantity, unit_price, tax_type and optionally variant, category.
    """
    from datetime import timedelta

    from procurement.amounts import quote_totals
    from procurement.models import QuoteLine, QuoteRequest, QuoteStatus, QuoteVersion, VendorQuote

    _QUOTE_SEQ[0] += 1
    n = _QUOTE_SEQ[0]
    today = timezone.localdate()
    request = QuoteRequest.objects.create(number=f"RQ-20000101-{n:05d}", agency=agency, created_by=buyer, title="사무용품 견적",
                                          delivery_place="충남도청 총무과", reply_by=today + timedelta(days=7))
    quote = VendorQuote.objects.create(request=request, vendor=vendor, number=f"QT-20000101-{n:05d}")
    for m, other in enumerate(other_vendors):
        VendorQuote.objects.create(request=request, vendor=other, number=f"QT-20000102-{n * 10 + m:05d}")
    rows = [{**ln, "amount": ln["unit_price"] * ln["quantity"]} for ln in lines]
    totals = quote_totals(rows)
    version = QuoteVersion.objects.create(
        quote=quote, version=1, valid_until=valid_until or today + timedelta(days=30), delivery_terms="계약 후 7일 이내",
        taxable_supply=totals.taxable_supply, taxable_vat=totals.taxable_vat, exempt_amount=totals.exempt_amount,
        total=totals.total)
    for row in rows:
        QuoteLine.objects.create(version=version, variant=row.get("variant"), name=row["name"], quantity=row["quantity"],
                                 unit_price=row["unit_price"], amount=row["amount"], tax_type=row["tax_type"],
                                 category=row.get("category"))
    quote.current_version, quote.status, quote.answered_at = version, QuoteStatus.ANSWERED, timezone.now()
    quote.save()
    return quote


_QUOTE_SEQ = [0]
