"""One hierarchy for launch failures: each maps to a status code and plain words.

`teacher_message` is what the person in front of the LMS reads; `admin_hint` is what they
pass on to their LMS admin. `check` names the failed check in logs (ignite.lti.security).
"""

from __future__ import annotations


class LaunchError(Exception):
    status = 400
    check = "launch"
    teacher_message = "Ignite could not start from your course."
    admin_hint = "The launch request from the LMS was not valid."

    def __init__(self, detail: str = "", *, admin_hint: str | None = None, **context: str):
        super().__init__(detail or self.admin_hint)
        self.detail = detail
        self.context = context
        if admin_hint is not None:
            self.admin_hint = admin_hint


class LoginError(LaunchError):
    check = "login"
    teacher_message = "Ignite could not start the sign-in from your course."
    admin_hint = (
        "The login request is missing required parameters (iss, login_hint, target_link_uri)."
    )


class UnknownPlatform(LaunchError):
    status = 403
    check = "registration"
    teacher_message = "Your LMS is not registered with Ignite yet."
    admin_hint = (
        "No registration matches this issuer and client id. Register the platform in Ignite."
    )


class UnknownDeployment(LaunchError):
    status = 403
    check = "deployment"
    teacher_message = "This placement of Ignite in your LMS is not registered yet."


class InvalidToken(LaunchError):
    status = 401
    check = "token"
    teacher_message = "Your LMS sent Ignite a sign-in that could not be verified."
    admin_hint = "The launch token (id_token) failed verification."


class ExpiredToken(InvalidToken):
    check = "token-time"
    teacher_message = "The sign-in from your LMS had expired by the time it reached Ignite."
    admin_hint = (
        "The id_token's exp/iat is outside the allowed window. Check the LMS server's clock; "
        "the teacher can simply try again."
    )


class ReplayedToken(InvalidToken):
    check = "nonce"
    teacher_message = "This sign-in was already used. Please open Ignite again from your course."
    admin_hint = "The id_token's nonce was missing or already used (possible replay)."


class StateMismatch(LaunchError):
    status = 403
    check = "state"
    teacher_message = (
        "Your browser did not keep the sign-in information Ignite needs. This often happens "
        "when a browser blocks cookies inside the LMS page. Try opening Ignite again, or in a new window."
    )
    admin_hint = "The launch's state did not match the one given to this browser at login."


class PlatformUnavailable(LaunchError):
    status = 502
    check = "platform-keys"
    teacher_message = (
        "Ignite could not reach your LMS to verify your sign-in. Please try again in a minute."
    )
    admin_hint = "Fetching the platform's JWKS (public keys) failed."


class InvalidMessage(LaunchError):
    status = 400
    check = "message"
    teacher_message = "Your LMS sent Ignite a launch it does not understand."
