from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cities.selectors import city_list


@require_GET
def maker_directory(request: HttpRequest) -> HttpResponse:
    return render(request, "stakeholders/directory.html", {"cities": city_list()})
