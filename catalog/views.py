from django.http import HttpResponse
from django.shortcuts import render


def home(request):
    return render(request, "home.html")


def robots_txt(request):
    return HttpResponse("User-agent: *\nDisallow: /admin/\n", content_type="text/plain")
