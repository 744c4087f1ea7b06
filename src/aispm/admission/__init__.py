"""Validating admission webhook: deny AI workloads the policy forbids.

Public API::

    review(admission_review: dict, policy: Policy) -> dict    # an AdmissionReview v1 response
    serve(policy, cert, key, host, port)                      # HTTPS server (``aispm admission serve``)
"""

from aispm.admission.review import DENY_RULES, review
from aispm.admission.server import make_server, serve

__all__ = ["DENY_RULES", "make_server", "review", "serve"]
