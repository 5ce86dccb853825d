"""Claim names and role URIs of LTI 1.3 Core, AGS, NRPS and Deep Linking."""

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
CLAIM_MESSAGE_TYPE = LTI + "message_type"
CLAIM_VERSION = LTI + "version"
CLAIM_DEPLOYMENT_ID = LTI + "deployment_id"
CLAIM_TARGET_LINK_URI = LTI + "target_link_uri"
CLAIM_RESOURCE_LINK = LTI + "resource_link"
CLAIM_ROLES = LTI + "roles"
CLAIM_CONTEXT = LTI + "context"
CLAIM_CUSTOM = LTI + "custom"
CLAIM_LAUNCH_PRESENTATION = LTI + "launch_presentation"
CLAIM_TOOL_PLATFORM = LTI + "tool_platform"
CLAIM_AGS_ENDPOINT = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
CLAIM_NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
CLAIM_DL_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"

MESSAGE_RESOURCE_LINK = "LtiResourceLinkRequest"
MESSAGE_DEEP_LINKING = "LtiDeepLinkingRequest"
# LTI Data Privacy Launch (1EdTech, 1.0): the LMS asks the tool to show its data practices.
MESSAGE_DATA_PRIVACY = "LtiDataPrivacyLaunchRequest"
SUPPORTED_MESSAGE_TYPES = (MESSAGE_RESOURCE_LINK, MESSAGE_DEEP_LINKING, MESSAGE_DATA_PRIVACY)
LTI_VERSION = "1.3.0"

# Only context (membership) roles grant anything; institution and system roles never do.
CONTEXT_ROLE_PREFIX = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
INSTITUTION_ROLE_PREFIX = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#"
SYSTEM_ROLE_PREFIX = "http://purl.imsglobal.org/vocab/lis/v2/system/person#"
# Sub-roles (membership/Instructor#TeachingAssistant) name their parent before the '#'.
SUBROLE_PREFIX = "http://purl.imsglobal.org/vocab/lis/v2/membership/"

TRAINER_ROLES = {"Instructor", "TeachingAssistant", "Mentor", "ContentDeveloper", "Administrator"}
TEACHER_ROLES = {"Learner", "Student"}
