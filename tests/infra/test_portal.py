"""The citizens' portal: a private bucket filled from `portal/`, read by its distribution only, which
also sends /public/* and /v1/* to the API uncached, with security headers on every answer.

The dev stage is in cn-north-1, where CloudFormation has no Origin Access Control: its distribution
reads the bucket through an origin access identity. The variant stage (outside China, with its own
domain, IAM certificate and web ACL) shows Origin Access Control and TLS 1.2.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

import pytest
from aws_cdk import App, CfnResource
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_s3_deployment as s3deploy
from sunlight.devtools.local.gateway import SECURITY_HEADERS as LOCAL_SECURITY_HEADERS

from infra.app import build_stack
from infra.config import ConfigError, StageConfig, load_stage
from infra.constructs.portal import PORTAL_DIR
from tests.infra.cfn import ref_id, render, statements
from tests.infra.conftest import VARIANT_DOMAIN, VARIANT_IAM_CERTIFICATE, VARIANT_WEB_ACL, Synthesis

pytestmark = pytest.mark.infra

# AWS managed CloudFront policies, by their published ids.
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
API_PATHS = ("/public/*", "/v1/*")
ACM = "arn:aws:acm:"
CERTIFICATE = "0123abcd-0123-4567-89ab-0123456789ab"
BLOCK_ALL = {
    "BlockPublicAcls": True,
    "BlockPublicPolicy": True,
    "IgnorePublicAcls": True,
    "RestrictPublicBuckets": True,
}


def _distribution(synthesis: Synthesis) -> tuple[str, dict[str, Any]]:
    ((logical_id, distribution),) = synthesis.resources("AWS::CloudFront::Distribution").items()
    return logical_id, distribution


def _config(synthesis: Synthesis) -> dict[str, Any]:
    config: dict[str, Any] = _distribution(synthesis)[1]["Properties"]["DistributionConfig"]
    return config


def _bucket_id(synthesis: Synthesis) -> str:
    return synthesis.logical_id(synthesis.stack.portal.bucket)


def _origins(synthesis: Synthesis) -> dict[str, dict[str, Any]]:
    return {origin["Id"]: origin for origin in _config(synthesis)["Origins"]}


def _site_origin(synthesis: Synthesis) -> dict[str, Any]:
    (origin,) = (o for o in _origins(synthesis).values() if "S3OriginConfig" in o)
    assert ref_id(origin["DomainName"]) == _bucket_id(synthesis)
    return origin


def _bucket_policy(synthesis: Synthesis) -> list[dict[str, Any]]:
    (policy,) = (
        p["Properties"]["PolicyDocument"]
        for p in synthesis.resources("AWS::S3::BucketPolicy").values()
        if ref_id(p["Properties"]["Bucket"]) == _bucket_id(synthesis)
    )
    return list(statements(policy))


def _acknowledged(resource: dict[str, Any]) -> dict[str, str]:
    rules = resource.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", [])
    return {rule["id"]: rule["reason"] for rule in rules}


def _custom_resource_id(synthesis: Synthesis, deployment: s3deploy.BucketDeployment) -> str:
    (resource,) = (
        c
        for c in deployment.node.find_all()
        if isinstance(c, CfnResource) and c.cfn_resource_type == "Custom::CDKBucketDeployment"
    )
    return str(synthesis.stack.get_logical_id(resource))


# -- the bucket and what goes into it -------------------------------------------------------------


@pytest.mark.parametrize("which", ["dev", "variant"])
def test_the_portal_bucket_is_private_ssl_only_encrypted_versioned_and_logged(
    synthesis: Synthesis, variant: Synthesis, which: str
) -> None:
    chosen = synthesis if which == "dev" else variant
    bucket = chosen.cfn["Resources"][_bucket_id(chosen)]
    properties = bucket["Properties"]
    assert properties["PublicAccessBlockConfiguration"] == BLOCK_ALL
    assert properties["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    (encryption,) = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert properties["VersioningConfiguration"] == {"Status": "Enabled"}
    assert "WebsiteConfiguration" not in properties
    assert "AccessControl" not in properties
    logging = properties["LoggingConfiguration"]
    assert ref_id(logging["DestinationBucketName"]) == chosen.logical_id(chosen.stack.documents.access_logs)
    name = render(properties["BucketName"])
    assert name == f"sunlight-{chosen.config.stage}-portal-{chosen.config.account or '<AWS::AccountId>'}"
    policy = _bucket_policy(chosen)
    (deny,) = (s for s in policy if s["Effect"] == "Deny")
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert deny["Principal"] == {"AWS": "*"}
    for statement in policy:
        if statement["Effect"] == "Allow":
            assert statement["Principal"] not in ("*", {"AWS": "*"})


def test_the_site_is_uploaded_from_the_portal_folder_under_portal_with_index_html_at_the_root(
    synthesis: Synthesis,
) -> None:
    deployments = synthesis.resources("Custom::CDKBucketDeployment")
    site_id = _custom_resource_id(synthesis, synthesis.stack.portal.deployment)
    root_id = _custom_resource_id(synthesis, synthesis.stack.portal.root_deployment)
    assert set(deployments) == {site_id, root_id}
    site, root = deployments[site_id]["Properties"], deployments[root_id]["Properties"]
    for properties in (site, root):
        assert ref_id(properties["DestinationBucketName"]) == _bucket_id(synthesis)
        assert ref_id(properties["DistributionId"]) == _distribution(synthesis)[0]
    assert site["DestinationBucketKeyPrefix"] == "portal/"
    assert site["Prune"] is True
    assert site["DistributionPaths"] == ["/portal/*"]
    assert "DestinationBucketKeyPrefix" not in root
    assert root["Prune"] is False
    assert (root["Exclude"], root["Include"]) == (["*"], ["index.html"])
    assert root["SourceObjectKeys"] == site["SourceObjectKeys"]
    # The asset is the portal folder as it is now, without its documentation.
    (key,) = site["SourceObjectKeys"]
    outdir = Path(cast(App, synthesis.stack.node.root).outdir)
    staged = outdir / f"asset.{key.removesuffix('.zip')}"
    assert staged.is_dir()

    def files(folder: Path) -> set[str]:
        return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}

    expected = {f for f in files(PORTAL_DIR) if not f.endswith(".md") and "/." not in f"/{f}"}
    assert files(staged) == expected
    assert "README.md" not in files(staged)


# -- the distribution -----------------------------------------------------------------------------


def test_the_distribution_serves_the_bucket_by_default_with_index_html_at_the_root(
    synthesis: Synthesis,
) -> None:
    config = _config(synthesis)
    assert config["Enabled"] is True
    assert config["DefaultRootObject"] == "index.html"
    default = config["DefaultCacheBehavior"]
    assert default["TargetOriginId"] == _site_origin(synthesis)["Id"]
    assert default["ViewerProtocolPolicy"] == "redirect-to-https"
    assert sorted(default["AllowedMethods"]) == ["GET", "HEAD"]


def test_in_china_the_bucket_is_read_through_an_origin_access_identity_and_by_it_only(
    synthesis: Synthesis,
) -> None:
    """cn-north-1's CloudFormation has no AWS::CloudFront::OriginAccessControl."""
    assert synthesis.config.in_china
    assert synthesis.resources("AWS::CloudFront::OriginAccessControl") == {}
    ((identity_id, _),) = synthesis.resources("AWS::CloudFront::CloudFrontOriginAccessIdentity").items()
    origin = _site_origin(synthesis)
    assert "OriginAccessControlId" not in origin
    assert render(origin["S3OriginConfig"]["OriginAccessIdentity"]) == (
        f"origin-access-identity/cloudfront/<{identity_id}>"
    )
    (allow,) = (s for s in _bucket_policy(synthesis) if s["Effect"] == "Allow")
    assert allow["Principal"] == {"CanonicalUser": {"Fn::GetAtt": [identity_id, "S3CanonicalUserId"]}}
    assert allow["Action"] == "s3:GetObject"
    assert render(allow["Resource"]) == f"<{_bucket_id(synthesis)}.Arn>/*"
    _, distribution = _distribution(synthesis)
    assert "AwsSolutions-CFR7" in _acknowledged(distribution)


def test_outside_china_the_bucket_is_read_through_origin_access_control_by_this_distribution_only(
    variant: Synthesis,
) -> None:
    assert not variant.config.in_china
    assert variant.resources("AWS::CloudFront::CloudFrontOriginAccessIdentity") == {}
    ((control_id, control),) = variant.resources("AWS::CloudFront::OriginAccessControl").items()
    assert control["Properties"]["OriginAccessControlConfig"] | {"Name": None} == {
        "Name": None,
        "OriginAccessControlOriginType": "s3",
        "SigningBehavior": "always",
        "SigningProtocol": "sigv4",
    }
    origin = _site_origin(variant)
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": [control_id, "Id"]}
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    distribution_id, distribution = _distribution(variant)
    (allow,) = (s for s in _bucket_policy(variant) if s["Effect"] == "Allow")
    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert allow["Action"] == "s3:GetObject"
    assert render(allow["Resource"]) == f"<{_bucket_id(variant)}.Arn>/*"
    (source,) = allow["Condition"]["StringEquals"].values()
    assert list(allow["Condition"]["StringEquals"]) == ["AWS:SourceArn"]
    assert (
        render(source)
        == f"arn:<AWS::Partition>:cloudfront::<AWS::AccountId>:distribution/<{distribution_id}>"
    )
    assert "AwsSolutions-CFR7" not in _acknowledged(distribution)


@pytest.mark.parametrize("path", API_PATHS)
def test_the_api_paths_go_to_the_api_stage_uncached_with_viewer_headers_over_https(
    synthesis: Synthesis, path: str
) -> None:
    behaviors = {b["PathPattern"]: b for b in _config(synthesis).get("CacheBehaviors", [])}
    assert set(behaviors) == set(API_PATHS)
    behavior = behaviors[path]
    assert behavior["CachePolicyId"] == CACHING_DISABLED
    assert behavior["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST_HEADER
    assert behavior["ViewerProtocolPolicy"] == "https-only"
    assert {"GET", "POST", "PUT", "OPTIONS"} <= set(behavior["AllowedMethods"])
    origin = _origins(synthesis)[behavior["TargetOriginId"]]
    assert "S3OriginConfig" not in origin
    assert origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    assert origin["CustomOriginConfig"]["OriginSSLProtocols"] == ["TLSv1.2"]
    (api_id,) = synthesis.resources("AWS::ApiGateway::RestApi")
    (stage_id,) = synthesis.resources("AWS::ApiGateway::Stage")
    domain = render(origin["DomainName"])
    assert (
        f"https://<{api_id}>.execute-api.{synthesis.config.region}.<AWS::URLSuffix>/<{stage_id}>/" in domain
    )
    assert domain.startswith("<part 2 of ")  # the host of the stage URL
    assert "<part 3 of " in render(origin["OriginPath"])  # its first path segment: the stage name
    assert synthesis.cfn["Resources"][stage_id]["Properties"]["StageName"] == synthesis.config.stage


def test_every_answer_carries_the_security_headers(synthesis: Synthesis) -> None:
    ((policy_id, policy),) = synthesis.resources("AWS::CloudFront::ResponseHeadersPolicy").items()
    policy_config = policy["Properties"]["ResponseHeadersPolicyConfig"]
    assert policy_config["Name"] == "sunlight-dev-security-headers"
    headers = policy_config["SecurityHeadersConfig"]
    hsts = headers["StrictTransportSecurity"]
    assert hsts["AccessControlMaxAgeSec"] >= 365 * 24 * 3600
    assert hsts["IncludeSubdomains"] is True
    csp = headers["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    assert csp.split(";")[0] == "default-src 'self'"
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert headers["ContentTypeOptions"]["Override"] is True  # X-Content-Type-Options: nosniff
    assert headers["FrameOptions"]["FrameOption"] == "DENY"
    assert headers["ReferrerPolicy"]["ReferrerPolicy"] == "no-referrer"
    assert all(h["Override"] is True for h in headers.values())
    config = _config(synthesis)
    for behavior in [config["DefaultCacheBehavior"], *config["CacheBehaviors"]]:
        assert ref_id(behavior["ResponseHeadersPolicyId"]) == policy_id


def test_the_local_gateway_sends_the_same_headers(synthesis: Synthesis) -> None:
    local = dict(LOCAL_SECURITY_HEADERS)
    (policy,) = synthesis.resources("AWS::CloudFront::ResponseHeadersPolicy").values()
    headers = policy["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    assert local["Content-Security-Policy"] == headers["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    assert local["X-Frame-Options"] == headers["FrameOptions"]["FrameOption"]
    assert local["Referrer-Policy"] == headers["ReferrerPolicy"]["ReferrerPolicy"]
    assert local["X-Content-Type-Options"] == "nosniff"


def test_the_distribution_logs_to_its_own_log_bucket(synthesis: Synthesis) -> None:
    log_bucket = synthesis.stack.portal.log_bucket
    assert log_bucket is not None
    log_bucket_id = synthesis.logical_id(log_bucket)
    logging = _config(synthesis)["Logging"]
    assert logging["Bucket"] == {"Fn::GetAtt": [log_bucket_id, "RegionalDomainName"]}
    assert logging["Prefix"]
    bucket = synthesis.cfn["Resources"][log_bucket_id]
    properties = bucket["Properties"]
    assert properties["PublicAccessBlockConfiguration"] == BLOCK_ALL
    # CloudFront standard logs are delivered by ACL grant: ACLs must stay enabled on this bucket.
    assert properties["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]}
    (encryption,) = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    (rule,) = properties["LifecycleConfiguration"]["Rules"]
    assert rule["ExpirationInDays"] >= 180
    assert bucket["DeletionPolicy"] == "Retain"
    assert render(properties["BucketName"]) == "sunlight-dev-cdn-logs-<AWS::AccountId>"


def test_without_a_domain_the_default_certificate_is_acknowledged_for_cfr4(synthesis: Synthesis) -> None:
    config = _config(synthesis)
    assert "ViewerCertificate" not in config  # CloudFront's default certificate
    assert "Aliases" not in config
    assert "WebACLId" not in config
    _, distribution = _distribution(synthesis)
    acknowledged = _acknowledged(distribution)
    assert set(acknowledged) == {
        "AwsSolutions-CFR1",
        "AwsSolutions-CFR2",
        "AwsSolutions-CFR4",
        "AwsSolutions-CFR7",
    }
    assert "TLSv1" in acknowledged["AwsSolutions-CFR4"]


def test_with_a_domain_only_tls_1_2_or_later_and_the_web_acl(variant: Synthesis) -> None:
    config = _config(variant)
    assert config["Aliases"] == [VARIANT_DOMAIN]
    assert config["ViewerCertificate"] == {
        "IamCertificateId": VARIANT_IAM_CERTIFICATE,
        "SslSupportMethod": "sni-only",
        "MinimumProtocolVersion": "TLSv1.2_2021",
    }
    assert config["WebACLId"] == VARIANT_WEB_ACL
    _, distribution = _distribution(variant)
    # CFR4 only because cdk-nag does not read the property override checked above.
    assert set(_acknowledged(distribution)) == {"AwsSolutions-CFR1", "AwsSolutions-CFR4"}


def test_the_outputs_give_the_portal_url(synthesis: Synthesis, variant: Synthesis) -> None:
    distribution_id, _ = _distribution(synthesis)

    def url(of: Synthesis) -> str:
        (output,) = (o for k, o in of.cfn["Outputs"].items() if k.startswith("PortalUrl"))
        return render(output["Value"])

    assert url(synthesis) == f"https://<{distribution_id}.DomainName>/"
    assert url(variant) == f"https://{VARIANT_DOMAIN}/"


# -- without the CDN (portal_cdn: false) ----------------------------------------------------------


def test_without_the_cdn_the_site_is_only_uploaded_to_its_bucket(
    tmp_path: Path, config: StageConfig, definition_file: Path
) -> None:
    """Built, not synthesised (the construct tree says it): no distribution, no CDN log bucket."""
    app = App(outdir=str(tmp_path))
    stack = build_stack(
        app,
        config.model_copy(update={"portal_cdn": False}),
        definition_file=definition_file,
        deps_layer_dir=None,
    )
    assert stack.portal.distribution is None
    assert stack.portal.log_bucket is None
    found = stack.node.find_all()
    assert not [
        c for c in found if isinstance(c, cloudfront.CfnDistribution | cloudfront.CfnResponseHeadersPolicy)
    ]
    assert len([c for c in found if isinstance(c, s3deploy.BucketDeployment)]) == 2


def test_portal_settings_without_the_cdn_are_rejected(config: StageConfig) -> None:
    settings = {**config.model_dump(), "portal_cdn": False, "portal_web_acl_arn": VARIANT_WEB_ACL}
    with pytest.raises(ConfigError, match="portal_cdn"):
        load_stage({"dev": json.loads(json.dumps(settings))}, "dev")


@pytest.mark.parametrize(
    "domain",
    [
        {"name": VARIANT_DOMAIN},
        {
            "name": VARIANT_DOMAIN,
            "iam_certificate_id": VARIANT_IAM_CERTIFICATE,
            "certificate_arn": f"{ACM}us-east-1:123456789012:certificate/{CERTIFICATE}",
        },
        {
            "name": VARIANT_DOMAIN,
            "certificate_arn": f"{ACM}ap-east-1:123456789012:certificate/{CERTIFICATE}",
        },
    ],
    ids=["no certificate", "two certificates", "ACM outside us-east-1"],
)
def test_a_portal_domain_needs_exactly_one_usable_certificate(
    config: StageConfig, domain: dict[str, str]
) -> None:
    settings = {**config.model_dump(), "portal_domain": domain}
    with pytest.raises(ConfigError, match="portal_domain"):
        load_stage({"dev": json.loads(json.dumps(settings))}, "dev")


def test_cdk_json_turns_the_cdn_on_for_dev_without_a_domain(config: StageConfig) -> None:
    assert config.portal_cdn is True
    assert config.portal_domain is None
