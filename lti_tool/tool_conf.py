"""pylti1p3's tool configuration, backed by Platform/Deployment rows and keys/."""

from __future__ import annotations

from pylti1p3.deployment import Deployment as LibDeployment
from pylti1p3.registration import Registration
from pylti1p3.tool_config.abstract import ToolConfAbstract

from keys.services import jwks, private_key_pem

from .login import find_platform
from .models import Deployment, Platform


def registration_for(platform: Platform) -> Registration:
    reg = Registration()
    reg.set_issuer(platform.issuer)
    reg.set_client_id(platform.client_id)
    reg.set_auth_login_url(platform.auth_login_url)
    reg.set_auth_token_url(platform.auth_token_url)
    if platform.auth_audience:
        reg.set_auth_audience(platform.auth_audience)
    reg.set_key_set_url(platform.keyset_url)
    # pylti1p3 signs service-call assertions with a PEM string; the library is only used
    # for that outside the launch path (AGS/NRPS, deep linking), where it is rare.
    reg.set_tool_private_key(private_key_pem())
    return reg


class ToolConf(ToolConfAbstract):
    """Every issuer may have many client ids (Canvas Cloud, Schoology): look up by both."""

    def check_iss_has_one_client(self, iss: str) -> bool:
        return False

    def check_iss_has_many_clients(self, iss: str) -> bool:
        return True

    def _platform(self, iss: str, client_id: str | None) -> Platform | None:
        return find_platform(iss, client_id)

    def find_registration_by_issuer(self, iss, *args, **kwargs):
        platform = self._platform(iss, None)
        return registration_for(platform) if platform else None

    def find_registration_by_params(self, iss, client_id, *args, **kwargs):
        platform = self._platform(iss, client_id)
        return registration_for(platform) if platform else None

    def find_deployment(self, iss, deployment_id):
        return self.find_deployment_by_params(iss, deployment_id, None)

    def find_deployment_by_params(self, iss, deployment_id, client_id, *args, **kwargs):
        qs = Deployment.objects.filter(platform__issuer=iss, deployment_id=deployment_id)
        if client_id:
            qs = qs.filter(platform__client_id=client_id)
        if not qs.exists():
            return None
        return LibDeployment().set_deployment_id(deployment_id)

    def get_jwks(self, iss=None, client_id=None, **kwargs):
        return jwks()
