"""The OpenAPI schema's answers common to every operation, documented once
(drf-spectacular postprocessing hook, settings.SPECTACULAR_SETTINGS)."""

from __future__ import annotations

ERROR_BODY = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}

COMMON_ERRORS = {
    "304": {
        "description": (
            "Non modifié : la copie du client (If-None-Match avec l'ETag, ou "
            "If-Modified-Since avec Last-Modified) est à jour. Corps vide."
        )
    },
    "414": {
        "description": (
            "Adresse trop longue (plus de 4 094 octets pour la ligne de requête, "
            "limite du serveur) : raccourcissez les paramètres, en répartissant "
            "par exemple une longue liste d'identifiants sur plusieurs requêtes."
        )
    },
    "503": {
        "description": (
            "Service momentanément indisponible (base de données injoignable) : "
            "réessayez plus tard."
        )
    },
}


def document_common_errors(result, generator, request, public):
    """Add the answers any operation may give, and a JSON body to each 4xx
    that has none declared."""
    for methods in result.get("paths", {}).values():
        for operation in methods.values():
            responses = operation.setdefault("responses", {})
            for status, response in COMMON_ERRORS.items():
                responses.setdefault(status, dict(response))
            for status, response in responses.items():
                if status.startswith("4") and status != "414":
                    response.setdefault(
                        "content", {"application/json": {"schema": ERROR_BODY}}
                    )
    return result
