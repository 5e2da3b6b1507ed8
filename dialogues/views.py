from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
def meeting_list(request):
    return render(request, "dialogues/meeting_list.html")


@require_GET
def summary_list(request):
    return render(request, "dialogues/summary_list.html")
