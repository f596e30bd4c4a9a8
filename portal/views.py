from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cities.selectors import city_list
from toolkit.dimensions import DIMENSIONS


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html", {"cities": city_list(), "dimensions": DIMENSIONS})
