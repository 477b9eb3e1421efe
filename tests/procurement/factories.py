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
