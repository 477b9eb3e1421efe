"""The site's URLs plus one page that breaks the Content-Security-Policy on purpose."""
from django.http import HttpResponse
from django.urls import path

from ddasum import urls as site_urls


def breaks_the_policy(request):
    return HttpResponse('<!doctype html><title>x</title><p style="color:red">x</p>'
                        "<script>document.title = 'ran';</script>")


urlpatterns = [path("test-csp/inline/", breaks_the_policy), *site_urls.urlpatterns]
