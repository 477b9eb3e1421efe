"""sitemap.xml entries of campaigns: published campaign pages and the board's posts."""
from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from .models import Campaign, Post


class CampaignPageSitemap(Sitemap):
    changefreq = "daily"
    priority = 0.7

    def items(self):
        return ["campaigns:list", "campaigns:archive", "campaigns:board"]

    def location(self, item):
        return reverse(item)


class CampaignSitemap(Sitemap):
    changefreq = "daily"
    priority = 0.8

    def items(self):
        return Campaign.objects.published().only("slug", "updated_at").order_by("-starts_at")

    def lastmod(self, campaign):
        return campaign.updated_at


class PostSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.4

    def items(self):
        return Post.objects.published().only("id", "published_at").order_by("-published_at")

    def lastmod(self, post):
        return post.published_at


SITEMAPS = {"campaign-pages": CampaignPageSitemap, "campaigns": CampaignSitemap, "posts": PostSitemap}
