"""Shipping fees of a vendor's policy; orders charge them, the product page shows them."""
from dataclasses import dataclass

# 도서산간 postal code ranges (inclusive) that carry an extra fee; Jeju has its own fee.
JEJU_RANGES = ((63000, 63644),)
REMOTE_RANGES = (
    (22386, 22388), (23004, 23010), (23100, 23116), (23124, 23136),  # 인천 옹진군 섬
    (32133, 32133),  # 충남 태안 외연도 일대 (example of the province's islands)
    (33411, 33411),  # 충남 보령 섬 지역
    (40200, 40240),  # 경북 울릉군
    (52570, 52571), (53031, 53033), (53089, 53104),  # 경남 섬 지역
    (54000, 54000), (56347, 56349),  # 전북 섬 지역
    (57068, 57069), (58760, 58762), (58800, 58810), (58816, 58818), (58826, 58826), (58828, 58866),
    (58953, 58958), (59102, 59103), (59106, 59106), (59127, 59127), (59129, 59129), (59137, 59166),
    (59650, 59650), (59766, 59766), (59781, 59790),  # 전남 섬 지역
)


def _in(code: int, ranges) -> bool:
    return any(low <= code <= high for low, high in ranges)


def area_of(postal_code: str) -> str:
    """'jeju', 'remote' or 'mainland' for a 5-digit postal code."""
    if not (postal_code or "").isdigit() or len(postal_code) != 5:
        return "mainland"
    code = int(postal_code)
    if _in(code, JEJU_RANGES):
        return "jeju"
    if _in(code, REMOTE_RANGES):
        return "remote"
    return "mainland"


@dataclass(frozen=True)
class ShippingFee:
    base: int
    extra: int

    @property
    def total(self) -> int:
        return self.base + self.extra


def shipping_fee(policy, *, items_total: int, postal_code: str = "") -> ShippingFee:
    """The fee for one shipment of `items_total` won to `postal_code` under `policy`."""
    if policy is None:
        return ShippingFee(0, 0)
    free = policy.free_threshold is not None and items_total >= policy.free_threshold
    base = 0 if free else policy.base_fee
    area = area_of(postal_code)
    extra = policy.jeju_extra_fee if area == "jeju" else policy.remote_extra_fee if area == "remote" else 0
    return ShippingFee(base, extra)
