from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from toolkit.dimensions import DIMENSIONS


@require_GET
def toolkit_index(request: HttpRequest) -> HttpResponse:
    return render(request, "toolkit/index.html", {"dimensions": DIMENSIONS})
