"""Reads for the member's own pages: orders still in progress, and everything kept about them (export)."""
from django.db.models import Prefetch

from accounts.models import User
from orders.models import Order, OrderLine, OrderStatus, VendorOrder
from orders.models import VendorOrderStatus as V
from reviews.models import Question, Review
from vendors.models import VendorMembership

# A vendor order in one of these states still needs the buyer (to deliver, refund or confirm).
IN_PROGRESS = (V.PENDING_PAYMENT, V.PAID, V.PREPARING, V.SHIPPED, V.DELIVERED, V.RETURN_REQUESTED, V.RETURNED)


def orders_in_progress(user: User) -> list[str]:
    """Numbers of the member's orders that are not finished (unpaid, on their way, being returned)."""
    unpaid = Order.objects.filter(buyer=user, status=OrderStatus.PENDING_PAYMENT)
    moving = Order.objects.filter(buyer=user, status=OrderStatus.PAID, vendor_orders__status__in=IN_PROGRESS)
    return sorted(set(unpaid.values_list("number", flat=True)) | set(moving.values_list("number", flat=True)))


def business_roles(user: User) -> list[str]:
    """Names of the vendors the member works for (they hand over before leaving)."""
    return list(VendorMembership.objects.filter(user=user).values_list("vendor__name", flat=True))


def _iso(value):
    return value.isoformat() if value else None


def member_export(user: User) -> dict:
    """Everything the mall keeps about the member, for 내 정보 내려받기 (JSON; CSV is flattened from it)."""
    user = User.objects.select_related("terms_version", "privacy_version").get(pk=user.pk)
    orders = (Order.objects.filter(buyer=user).order_by("placed_at", "id")
              .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.order_by("id")),
                                Prefetch("vendor_orders", queryset=VendorOrder.objects.select_related("vendor"))))
    return {
        "profile": {"email": user.email, "name": user.name, "phone": user.phone,
                    "date_joined": _iso(user.date_joined), "last_login": _iso(user.last_login)},
        "consents": {
            "terms_version": user.terms_version.version if user.terms_version else None,
            "privacy_version": user.privacy_version.version if user.privacy_version else None,
            "terms_agreed_at": _iso(user.terms_agreed_at),
            "age_confirmed_at": _iso(user.age_confirmed_at),
            "marketing_agreed_at": _iso(user.marketing_agreed_at),
        },
        "addresses": [
            {"label": a.label, "recipient": a.recipient, "phone": a.phone, "postal_code": a.postal_code,
             "address": a.address, "address_detail": a.address_detail, "is_default": a.is_default}
            for a in user.addresses.order_by("id")
        ],
        "orders": [
            {"number": o.number, "placed_at": _iso(o.placed_at), "status": o.status, "total": o.total,
             "payment_method": o.payment_method, "orderer_name": o.orderer_name, "orderer_phone": o.orderer_phone,
             "email": o.email, "recipient_name": o.recipient_name, "recipient_phone": o.recipient_phone,
             "postal_code": o.postal_code, "address": o.address, "address_detail": o.address_detail, "memo": o.memo,
             "vendors": [{"vendor": vo.vendor.name, "status": vo.status} for vo in o.vendor_orders.all()],
             "lines": [{"product": line.product_name, "option": line.variant_name, "unit_price": line.unit_price,
                        "quantity": line.quantity, "line_total": line.line_total} for line in o.lines.all()]}
            for o in orders
        ],
        "reviews": [
            {"product": r.product.name, "rating": r.rating, "content": r.content, "status": r.status,
             "created_at": _iso(r.created_at)}
            for r in Review.objects.filter(author=user).select_related("product").order_by("id")
        ],
        "questions": [
            {"product": q.product.name, "content": q.content, "is_secret": q.is_secret, "answer": q.answer,
             "created_at": _iso(q.created_at)}
            for q in Question.objects.filter(author=user).select_related("product").order_by("id")
        ],
        "wishes": [
            {"product": w.product.name, "created_at": _iso(w.created_at)}
            for w in user.wishes.select_related("product").order_by("id")
        ],
    }


def export_rows(data: dict) -> list[list]:
    """The export as CSV rows: section, number in the section, field, value (nested lists flattened)."""
    rows = [["구분", "번호", "항목", "값"]]

    def walk(section, index, prefix, value):
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(section, index, f"{prefix}{key}" if not prefix else f"{prefix}.{key}", inner)
        elif isinstance(value, list):
            for n, inner in enumerate(value, 1):
                walk(section, index, f"{prefix}[{n}]", inner)
        else:
            rows.append([section, index, prefix, "" if value is None else value])

    for section, value in data.items():
        if isinstance(value, list):
            for n, item in enumerate(value, 1):
                walk(section, n, "", item)
        else:
            walk(section, "", "", value)
    return rows
