"""Requests no page can answer, refused before they reach a view."""

from django.http import JsonResponse
from django.views.defaults import bad_request


class RejectNulBytesMiddleware:
    """A NUL byte in the address or a parameter is never meaningful, and
    PostgreSQL refuses it in text (SQLite stores it): answer 400 for every
    page at once rather than a 500 from whichever query meets it first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        bad = [
            key.replace("\x00", "")
            for key, values in request.GET.lists()
            if "\x00" in key or any("\x00" in value for value in values)
        ]
        if bad or "\x00" in request.path:
            if request.path.startswith("/api/"):
                # The API's error shape: {"detail": …, "errors": {param: [...]}}.
                message = "Caractère NUL refusé."
                return JsonResponse(
                    {
                        "detail": "Paramètre invalide : caractère NUL.",
                        "errors": {key: [message] for key in bad}
                        or {"path": [message]},
                    },
                    status=400,
                )
            return bad_request(request, ValueError("NUL byte in the request"))
        return self.get_response(request)
