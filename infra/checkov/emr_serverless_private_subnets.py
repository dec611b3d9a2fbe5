"""CKV_EVL_2: EMR Serverless applications run in the VPC, in private subnets, behind a security group.

Checkov does not render values passed across module boundaries, so "private" is judged from the
subnet reference itself: it must name private subnets (``var.private_subnet_ids``,
``module.network.private_subnet_ids``, ``aws_subnet.private[*].id``). Literal subnet ids cannot be
proven private and fail. tests/infra/test_hcl_structure.py checks the other half: the network
module's private subnets hand out no public IPs and the VPC has no internet or NAT gateway.
"""

from __future__ import annotations

import re
from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck

_PRIVATE_REFERENCE = re.compile(r"\b(var|module|local|aws_subnet)\.[\w.\[\]*]*private", re.I)


def _flatten(value: Any) -> list[str]:
    if isinstance(value, list):
        return [item for element in value for item in _flatten(element)]
    return [] if value is None else [str(value)]


class EmrServerlessPrivateSubnets(BaseResourceCheck):
    def __init__(self) -> None:
        super().__init__(
            name="Ensure EMR Serverless applications run in private subnets",
            id="CKV_EVL_2",
            categories=[CheckCategories.NETWORKING],
            supported_resources=["aws_emrserverless_application"],
        )

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        network = conf.get("network_configuration")
        if not network or not isinstance(network[0], dict):
            return CheckResult.FAILED
        subnets = _flatten(network[0].get("subnet_ids"))
        groups = _flatten(network[0].get("security_group_ids"))
        if not subnets or not groups:
            return CheckResult.FAILED
        if all(_PRIVATE_REFERENCE.search(subnet) for subnet in subnets):
            return CheckResult.PASSED
        return CheckResult.FAILED


check = EmrServerlessPrivateSubnets()
