from django.http import JsonResponse
from django.views.decorators.http import require_safe

from .services import jwks


@require_safe
def jwks_view(request):
    response = JsonResponse(jwks())
    # Platforms poll this; a short public cache keeps rotation visible within minutes.
    response["Cache-Control"] = "public, max-age=300"
    return response
