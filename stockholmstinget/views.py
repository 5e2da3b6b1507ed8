from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
def edition_current(request):
    return render(request, "stockholmstinget/edition_current.html")
