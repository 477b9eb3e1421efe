"""ddasum.money.won: the one way an amount is written out (and the template filter calling it)."""
from catalog.templatetags.catalog_tags import won as won_filter
from ddasum.money import won, won_or_dash


def test_won_groups_thousands():
    assert won(0) == "0원"
    assert won(12000) == "12,000원"
    assert won(40_449_030) == "40,449,030원"


def test_won_or_dash_where_there_is_no_amount():
    assert won_or_dash(None) == "-"
    assert won_or_dash(0) == "0원"
    assert won_or_dash(1500) == "1,500원"


def test_the_template_filter_takes_what_templates_pass():
    assert won_filter(12000) == won(12000)
    assert won_filter("12000") == "12,000원"
    assert won_filter(None) == "" and won_filter("") == ""
