"""찜 (the heart): one Wish row per member and product, counted on Product.wish_count."""
from django.db import IntegrityError, transaction
from django.db.models import F

from .models import Product, Wish


@transaction.atomic
def wish_set(*, user, product_id: int, wished: bool) -> bool:
    """Wish or unwish a product on sale for `user`; returns whether it is wished now.

    Setting the state (not toggling) makes a repeated POST — a double click, a retried
    request — land where the member meant.
    """
    product = Product.objects.on_sale().select_for_update().filter(pk=product_id).first()
    if product is None:
        raise Product.DoesNotExist
    if wished:
        try:
            with transaction.atomic():
                Wish.objects.create(user=user, product=product, seen_in_stock=product.in_stock)
        except IntegrityError:
            return True
        Product.objects.filter(pk=product.pk).update(wish_count=F("wish_count") + 1)
        return True
    deleted, _ = Wish.objects.filter(user=user, product=product).delete()
    if deleted:
        Product.objects.filter(pk=product.pk, wish_count__gt=0).update(wish_count=F("wish_count") - 1)
    return False


def wished_ids(user, product_ids) -> set[int]:
    """Which of these products the user has wished (one query; empty for guests)."""
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(Wish.objects.filter(user=user, product_id__in=list(product_ids)).values_list("product_id", flat=True))


def wish_list(*, user):
    """The member's wished products, newest wish first, with what a card needs."""
    return Product.objects.filter(wishes__user=user).order_by("-wishes__created_at").for_cards()
