from django.http import JsonResponse
from django.views.decorators.http import require_GET

from .services import jwks


@require_GET
def jwks_view(request):
    response = JsonResponse(jwks())
    # Platforms poll this; a short public cache keeps rotation visible within minutes.
    response["Cache-Control"] = "public, max-age=300"
    return response
