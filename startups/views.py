from django.shortcuts import render

from startups.models import Phase, Startup


def home(request):
    counts = Startup.objects.published().count_by_current_phase()
    phases = [(phase, counts.get(phase.value, 0)) for phase in Phase]
    return render(
        request,
        "startups/home.html",
        {"phases": phases, "total": sum(counts.values())},
    )
