"""seed_demo fills product pages with reviews (photos, replies), questions (answered and not) and wishes."""
import io

import pytest
from django.core.management import call_command

from catalog.models import Product, Wish
from reviews.models import Question, Review, ReviewStatus

pytestmark = pytest.mark.django_db


def test_demo_reviews_questions_and_wishes_and_a_second_run_creates_nothing(client):
    call_command("seed_demo", stdout=io.StringIO())
    counts = (Review.objects.count(), Question.objects.count(), Wish.objects.count())
    assert counts[0] >= 50 and Review.objects.filter(has_photos=True).exists()
    assert Review.objects.exclude(reply="").exists()
    assert Question.objects.filter(answered_at__isnull=True).exists()
    assert Question.objects.filter(answered_at__isnull=False, is_secret=True).exists()
    assert counts[2] > 0
    for product in Product.objects.filter(review_count__gt=0)[:20]:
        visible = Review.objects.filter(product=product, status=ReviewStatus.VISIBLE)
        assert product.review_count == visible.count()
        assert product.rating_sum == sum(r.rating for r in visible)
    assert Product.objects.filter(popularity__gt=0).exists()
    reviewed = Product.objects.on_sale().filter(review_count__gt=0).first()
    assert 'data-testid="review"' in client.get(reviewed.get_absolute_url()).content.decode()
    call_command("seed_demo", stdout=io.StringIO())
    assert (Review.objects.count(), Question.objects.count(), Wish.objects.count()) == counts
