"""Login and launch as pylti1p3's README and its Django example write them.

Nothing added and nothing left out: `DjangoOIDCLogin` with the cache launch-data storage, then
`DjangoMessageLaunch(...).get_launch_data()` (which runs `validate()`), with the documented
public-key caching so the platform's JWKS is not fetched on every launch. The tool
configuration is a `ToolConfDict` built once per worker process, with the tool's private key
as a PEM string (pylti1p3 only reads it for service calls, not during a launch).
"""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.http import HttpResponse, HttpResponseBadRequest
from django.utils.html import escape
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST
from pylti1p3.contrib.django import (
    DjangoCacheDataStorage,
    DjangoMessageLaunch,
    DjangoOIDCLogin,
)
from pylti1p3.exception import LtiException, OIDCException, ToolConfException
from pylti1p3.tool_config import ToolConfDict


def _tool_conf() -> ToolConfDict:
    config = json.loads(Path(settings.BASELINE_LTI_CONFIG).read_text())
    conf = ToolConfDict(config)
    private_key = Path(settings.BASELINE_TOOL_KEY_FILE).read_text()
    for issuer, entries in config.items():
        for entry in entries if isinstance(entries, list) else [entries]:
            conf.set_private_key(issuer, private_key, client_id=entry["client_id"])
    return conf


TOOL_CONF = _tool_conf()
LTI_ERRORS = (LtiException, OIDCException, ToolConfException)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def login(request):
    oidc_login = DjangoOIDCLogin(request, TOOL_CONF, launch_data_storage=DjangoCacheDataStorage())
    try:
        return oidc_login.redirect(request.build_absolute_uri("/lti/launch/"))
    except LTI_ERRORS as exc:
        return HttpResponseBadRequest(f"login refused: {escape(exc)}")


@csrf_exempt
@require_POST
def launch(request):
    storage = DjangoCacheDataStorage()
    message_launch = DjangoMessageLaunch(request, TOOL_CONF, launch_data_storage=storage)
    message_launch.set_public_key_caching(storage, cache_lifetime=7200)
    try:
        data = message_launch.get_launch_data()
    except LTI_ERRORS as exc:
        return HttpResponseBadRequest(f"launch refused: {escape(exc)}")
    return HttpResponse(f"<p>Hello {escape(data.get('name', ''))}</p>")
