"""One resource declared in infrastructure as code, before it is translated to an asset."""

from __future__ import annotations

from dataclasses import dataclass, field

from aispm.core.model import JSON


@dataclass(slots=True)
class IacResource:
    """A resource of a Terraform module, plan or CloudFormation template.

    ``attrs`` are the declared attributes with every reference that could be evaluated replaced
    by its value; what could not be evaluated stays as its source text (``${aws_iam_role.x.arn}``).
    """

    engine: str
    """``terraform``, ``terraform-plan`` or ``cloudformation``."""
    type: str
    """``aws_sagemaker_notebook_instance`` or ``AWS::SageMaker::NotebookInstance``."""
    name: str
    """Terraform resource name or CloudFormation logical id."""
    address: str
    """Stable address inside the repository: ``tf:<module dir>/<type>.<name>`` or
    ``cfn:<template path>/<logical id>``."""
    file: str
    """Path relative to the scan root."""
    line: int | None
    attrs: dict[str, JSON]
    refs: dict[str, list[str]] = field(default_factory=dict)
    """Addresses of other resources each top-level attribute refers to (``aws_iam_role.x``,
    ``module.ml.aws_iam_role.x[0]``)."""
    module: str = ""
    """``module.<name>.`` prefix of a resource of a called module (empty in the root module)."""
    expanded: bool = True
    """False when ``count`` / ``for_each`` could not be evaluated and the resource is read once."""

    def ref_targets(self, *attrs: str) -> list[str]:
        """Local names (``type.name``) referred to by the given attributes (all when none given)."""
        keys = attrs or tuple(self.refs)
        out: list[str] = []
        for key in keys:
            for target in self.refs.get(key, ()):
                if target not in out:
                    out.append(target)
        return out
