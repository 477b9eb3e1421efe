"""Demo delivery dates: every 절임배추 on sale is delivered on the day the buyer chooses.

Ten days from the first one a buyer may choose, 40 boxes a day; a few days are nearly full or
full, as they are in the week before 김장. Runs in the catalog step; dates are added for the
days to come each time it runs (one row per product and day), so a second run creates nothing.
"""
import random
from datetime import timedelta

from catalog.delivery_dates import earliest_date
from catalog.models import DeliverySlot, Product, ProductStatus

DAYS = 10
CAPACITY = 40
# Days (counted from the first one offered) already nearly or quite booked.
BOOKED = {1: 38, 2: 40, 4: 35, 5: 39}


def seed(*, stdout, rng: random.Random) -> None:
    products = list(Product.objects.filter(name__contains="절임배추", status=ProductStatus.ON_SALE).order_by("pk"))
    first = earliest_date()
    made = 0
    for product in products:
        if not product.delivery_date_required:
            product.delivery_date_required = True
            product.save(update_fields=["delivery_date_required"])
        for n in range(DAYS):
            _slot, created = DeliverySlot.objects.get_or_create(
                product=product, date=first + timedelta(days=n),
                defaults={"capacity": CAPACITY, "taken": BOOKED.get(n, 0)})
            made += created
    stdout.write(f"  배송일 지정 상품(절임배추) {len(products)}개, 배송일 {made}개 새로 "
                 f"(하루 {CAPACITY}박스, 마감 임박한 날 포함)")
