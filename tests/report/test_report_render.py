import pytest

from aispm.core.model import ScanResult
from aispm.report import FORMATS, render


def test_every_format_renders_text(result: ScanResult, empty: ScanResult) -> None:
    assert FORMATS == ("table", "json", "sarif", "html")
    for fmt in FORMATS:
        assert render(result, fmt).strip()
        assert render(empty, fmt).strip()


def test_format_name_is_case_insensitive(result: ScanResult) -> None:
    assert render(result, "JSON") == render(result, "json")


def test_unknown_format_is_a_value_error(result: ScanResult) -> None:
    with pytest.raises(ValueError, match="unknown report format 'xml'"):
        render(result, "xml")
