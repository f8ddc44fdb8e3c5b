"""The citizens' portal: the static site of `portal/` in a private bucket, behind CloudFront.

The bucket is private (public access blocked, HTTPS only, SSE-S3, versioned, access-logged) and
read by the distribution only, through Origin Access Control: its policy lets the CloudFront service
read objects on behalf of this one distribution. CloudFormation in the China regions has no
`AWS::CloudFront::OriginAccessControl`, so there the distribution reads through an origin access
identity instead, and the bucket policy lets only that identity read.

The site is uploaded under `portal/` (its pages load `/portal/...`, as the local gateway serves
them) with its `index.html` also at the root. The distribution serves the bucket by default
(`index.html` the default root object) and sends `/public/*` (the citizens' API) and `/v1/*` (the
exchange API) to the API stage, uncached, with every viewer header but Host, over HTTPS only, so
the portal and its API share one origin. Every response carries the security headers of
`SECURITY_HEADERS` (the local gateway sends the same).

With `portal_cdn: false` (the China regions before an ICP-recorded domain is ready) the stack only
uploads the site to its bucket: no distribution, no CDN log bucket.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Annotations, CfnOutput, Duration, RemovalPolicy, Stack, Token
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct
from sunlight.app import spec

from infra import names
from infra.config import StageConfig
from infra.constructs.api import Api
from infra.constructs.compute import retention
from infra.constructs.documents import Documents
from infra.constructs.logs import LogBucket, LogDelivery
from infra.nag import acknowledge

PORTAL_DIR = spec.ROOT / "portal"
SITE_PREFIX = "portal/"  # the pages load `/portal/style.css`, `/portal/js/app.js`, ...
ROOT_OBJECT = "index.html"  # also at the bucket's root: CloudFront's answer to `/`
DEPLOY_MEMORY_MB = 256
# Not served: the folder's documentation, dotfiles, tool caches (patterns match at any depth).
PORTAL_EXCLUDE = ["*.md", ".*", "__pycache__", "node_modules"]
# Paths that go to the API stage instead of the bucket.
API_PATHS = ("/public/*", "/v1/*")
ACCESS_LOG_PREFIX = "portal/"
CDN_LOG_PREFIX = "portal/"
# The construct id prefix of the BucketDeployment's singleton handler function (at the stack's root).
BUCKET_DEPLOYMENT_HANDLER = "Custom::CDKBucketDeployment"
# No build step, so no hashed file names: browsers and the CDN keep a file five minutes, and each
# deploy invalidates the distribution's cache.
SITE_CACHE_CONTROL = "public, max-age=300"
# As `sunlight.devtools.local.gateway.SECURITY_HEADERS`: no inline script or style, nothing from elsewhere.
CONTENT_SECURITY_POLICY = "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
HSTS_MAX_AGE = Duration.days(730)
MINIMUM_TLS = cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021
MINIMUM_TLS_POLICY = "TLSv1.2_2021"  # its CloudFormation value, for the IAM certificate override
SECURITY_HEADERS = cloudfront.ResponseSecurityHeadersBehavior(
    strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
        access_control_max_age=HSTS_MAX_AGE, include_subdomains=True, preload=False, override=True
    ),
    content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
        content_security_policy=CONTENT_SECURITY_POLICY, override=True
    ),
    content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
    frame_options=cloudfront.ResponseHeadersFrameOptions(
        frame_option=cloudfront.HeadersFrameOption.DENY, override=True
    ),
    referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
        referrer_policy=cloudfront.HeadersReferrerPolicy.NO_REFERRER, override=True
    ),
)


class Portal(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: StageConfig, api: Api, documents: Documents
    ) -> None:
        super().__init__(scope, construct_id)
        stage = config.stage
        account = Stack.of(self).account
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            bucket_name=names.portal_bucket_name(stage, account),
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            versioned=True,
            server_access_logs_bucket=documents.access_logs,
            server_access_logs_prefix=ACCESS_LOG_PREFIX,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="expire-old-site-versions",
                    noncurrent_version_expiration=Duration.days(30),
                    abort_incomplete_multipart_upload_after=Duration.days(7),
                )
            ],
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.log_bucket: s3.Bucket | None = None
        self.distribution: cloudfront.Distribution | None = None
        if config.portal_cdn:
            self.log_bucket = self._log_bucket(config)
            self.distribution = self._distribution(config, api)
        self.deployment, self.root_deployment = self._deploy_site(config)
        self._acknowledge_deployment(self.deployment)  # one handler and role serve both
        CfnOutput(self, "BucketName", value=self.bucket.bucket_name, description="the portal's static site")
        if self.distribution is not None:
            domain = config.portal_domain.name if config.portal_domain else None
            CfnOutput(
                self,
                "Url",
                value=f"https://{domain or self.distribution.distribution_domain_name}/",
                description="the citizens' portal (and /public/..., /v1/... on the same origin)",
            )
            CfnOutput(self, "DistributionId", value=self.distribution.distribution_id)

    def _log_bucket(self, config: StageConfig) -> s3.Bucket:
        """CloudFront standard logs are delivered by ACL grant: this bucket keeps ACLs enabled."""
        return LogBucket(
            self,
            "CdnLogs",
            bucket_name=names.cdn_log_bucket_name(config.stage, Stack.of(self).account),
            delivery=LogDelivery.CLOUDFRONT,
            receives="the portal distribution's standard logs",
        ).bucket

    def _distribution(self, config: StageConfig, api: Api) -> cloudfront.Distribution:
        stage = config.stage
        headers = cloudfront.ResponseHeadersPolicy(
            self,
            "SecurityHeaders",
            response_headers_policy_name=names.response_headers_policy_name(stage),
            comment=f"Sunlight {stage}: security headers of the citizens' portal and its API",
            security_headers_behavior=SECURITY_HEADERS,
        )
        api_origin = origins.RestApiOrigin(api.rest_api)
        api_behavior = cloudfront.BehaviorOptions(
            origin=api_origin,
            viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
            allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
            cached_methods=cloudfront.CachedMethods.CACHE_GET_HEAD,
            cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
            # The API Gateway endpoint answers only to its own Host; everything else goes through.
            origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
            response_headers_policy=headers,
        )
        domain = config.portal_domain
        acm_certificate = (
            acm.Certificate.from_certificate_arn(self, "Certificate", domain.certificate_arn)
            if domain and domain.certificate_arn
            else None
        )
        site_origin = (
            # No OriginAccessControl resource type in the China regions' CloudFormation.
            origins.S3BucketOrigin.with_origin_access_identity(self.bucket)
            if config.in_china
            else origins.S3BucketOrigin.with_origin_access_control(self.bucket)
        )
        distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment=f"Sunlight {stage}: citizens' portal",
            default_root_object=ROOT_OBJECT,
            default_behavior=cloudfront.BehaviorOptions(
                origin=site_origin,
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_GET_HEAD,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                response_headers_policy=headers,
                compress=True,
            ),
            additional_behaviors=dict.fromkeys(API_PATHS, api_behavior),
            # Without a certificate of its own, the distribution has CloudFront's (TLSv1, fixed).
            domain_names=[domain.name] if domain and acm_certificate else None,
            certificate=acm_certificate,
            minimum_protocol_version=MINIMUM_TLS if acm_certificate else None,
            ssl_support_method=cloudfront.SSLMethod.SNI if acm_certificate else None,
            enable_logging=True,
            log_bucket=self.log_bucket,
            log_file_prefix=CDN_LOG_PREFIX,
            web_acl_id=config.portal_web_acl_arn,
        )
        if domain and domain.iam_certificate_id:
            # CloudFront in the China regions takes IAM server certificates only (no ACM); the L2
            # construct knows ACM certificates only, so the viewer certificate is set on the L1.
            cfn = distribution.node.default_child
            assert isinstance(cfn, cloudfront.CfnDistribution)
            cfn.add_property_override("DistributionConfig.Aliases", [domain.name])
            cfn.add_property_override(
                "DistributionConfig.ViewerCertificate",
                {
                    "IamCertificateId": domain.iam_certificate_id,
                    "SslSupportMethod": "sni-only",
                    "MinimumProtocolVersion": MINIMUM_TLS_POLICY,
                },
            )
        self._acknowledge(config, distribution)
        return distribution

    def _acknowledge(self, config: StageConfig, distribution: cloudfront.Distribution) -> None:
        if config.portal_domain is not None and config.portal_domain.iam_certificate_id is not None:
            acknowledge(
                distribution,
                "AwsSolutions-CFR4",
                f"The viewer certificate is the IAM server certificate of {config.portal_domain.name}, "
                f"sni-only, minimum {MINIMUM_TLS_POLICY}, set by a property override that cdk-nag does not "
                "read (tests/infra checks the template).",
            )
        elif config.portal_domain is None:
            acknowledge(
                distribution,
                "AwsSolutions-CFR4",
                "No custom domain is configured for this stage, and the default *.cloudfront.net/.cn "
                "certificate pins the TLSv1 security policy whatever MinimumProtocolVersion says; set "
                "portal_domain (with its certificate) to serve TLS 1.2 or later only.",
            )
            if config.in_china:
                Annotations.of(self).add_warning_v2(
                    "sunlight:portal-needs-domain",
                    "CloudFront in the China regions does not serve content on its default *.cloudfront.cn "
                    "domain: set portal_domain (an ICP-recorded name with an IAM server certificate) before "
                    "the portal goes live, or portal_cdn: false.",
                )
        if config.portal_web_acl_arn is None:
            acknowledge(
                distribution,
                "AwsSolutions-CFR2",
                "A CloudFront web ACL must be created in us-east-1 (scope CLOUDFRONT), outside this "
                "regional stack, and AWS WAF in the China regions is regional only; set portal_web_acl_arn "
                "to attach one. The API routes behind it have method throttles, and look-ups are limited "
                "per case or complaint number.",
            )
        if config.in_china:
            acknowledge(
                distribution,
                "AwsSolutions-CFR7",
                "CloudFormation in the China regions has no AWS::CloudFront::OriginAccessControl; the "
                "bucket is read through an origin access identity instead, the only principal its policy "
                "lets read, with public access blocked.",
            )
        acknowledge(
            distribution,
            "AwsSolutions-CFR1",
            "The portal is the city's public service guide and complaint desk: citizens must reach it "
            "wherever they are, so no country is blocked.",
        )

    def _deploy_site(
        self, config: StageConfig
    ) -> tuple[s3deploy.BucketDeployment, s3deploy.BucketDeployment]:
        """The folder under `portal/` (pruned), and its index.html again at the root, for `/`.

        The pages refer to their files as `/portal/...` (as the local gateway serves them), and
        CloudFront answers `/` with the default root object `index.html`.
        """
        log_group = logs.LogGroup(
            self, "DeployLogs", retention=retention(config), removal_policy=RemovalPolicy.DESTROY
        )
        source = s3deploy.Source.asset(str(PORTAL_DIR), exclude=PORTAL_EXCLUDE)
        common: dict[str, Any] = {
            "destination_bucket": self.bucket,
            "cache_control": [s3deploy.CacheControl.from_string(SITE_CACHE_CONTROL)],
            "distribution": self.distribution,
            "log_group": log_group,
            "memory_limit": DEPLOY_MEMORY_MB,
            "output_object_keys": False,
        }
        site = s3deploy.BucketDeployment(
            self,
            "Site",
            sources=[source],
            destination_key_prefix=SITE_PREFIX,
            prune=True,  # within SITE_PREFIX only
            distribution_paths=[f"/{SITE_PREFIX}*"] if self.distribution is not None else None,
            **common,
        )
        root = s3deploy.BucketDeployment(
            self,
            "RootObject",
            sources=[source],
            exclude=["*"],
            include=[ROOT_OBJECT],
            prune=False,  # the rest of the bucket is the site's
            distribution_paths=["/", f"/{ROOT_OBJECT}"] if self.distribution is not None else None,
            **common,
        )
        return site, root

    def _acknowledge_deployment(self, deployment: s3deploy.BucketDeployment) -> None:
        """The findings on the CDK's deploy-time copier (a singleton function at the stack's root)."""
        role = deployment.handler_role
        acknowledge(
            role,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
            "AWSLambdaBasicExecutionRole]",
            "The CDK BucketDeployment handler's role: AWSLambdaBasicExecutionRole grants CloudWatch Logs "
            "writes only; the handler runs at deploy time to copy portal/ into the bucket.",
        )
        copy_reason = (
            "Set by the CDK BucketDeployment construct, which copies the site from the CDK asset bucket "
            "(read: GetObject*, GetBucket*, List*) into the portal bucket and prunes what is gone "
            "(DeleteObject*, Abort*), on those two buckets and their objects only."
        )
        stack = Stack.of(self)
        account = "<AWS::AccountId>" if Token.is_unresolved(stack.account) else stack.account
        assets = f"arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-{account}-{stack.region}/*"
        bucket_ref = str(stack.resolve(self.bucket.bucket_arn)["Fn::GetAtt"][0])
        for finding in (
            "Action::s3:GetObject*",
            "Action::s3:GetBucket*",
            "Action::s3:List*",
            "Action::s3:DeleteObject*",
            "Action::s3:Abort*",
            f"Resource::{assets}",
            f"Resource::<{bucket_ref}.Arn>/*",
        ):
            acknowledge(role, f"AwsSolutions-IAM5[{finding}]", copy_reason)
        if self.distribution is not None:
            acknowledge(
                role,
                "AwsSolutions-IAM5[Resource::*]",
                "The CDK BucketDeployment construct grants cloudfront:CreateInvalidation and "
                "GetInvalidation on '*' to invalidate the portal distribution after each upload; those "
                "two actions only.",
            )
        handler = next(
            child
            for child in stack.node.children
            if child.node.id.startswith(BUCKET_DEPLOYMENT_HANDLER) and isinstance(child, lambda_.Function)
        )
        acknowledge(
            handler,
            "AwsSolutions-L1",
            "The CDK BucketDeployment handler's runtime is chosen by aws-cdk-lib and moves with it; the "
            "function runs only at deploy time, to copy portal/ into the bucket.",
        )
