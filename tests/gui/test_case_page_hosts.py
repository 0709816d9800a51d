"""Step 1: a host name or address from the keyboard or a case file is checked by the core's
one check, and "Open /appliance" opens a URL built from the checked host, nothing else."""

from __future__ import annotations

import json

import pytest
from PySide6.QtWidgets import QApplication

from bundleguard.case.model import ApplianceEntry, Case, Role, case_to_json
from bundleguard.certs.names import HostnameError
from bundleguard.gui import widgets
from bundleguard.gui.window import MainWindow
from tests.gui.conftest import find_by_name

EVIL = "fe80::1%x@evil.example"


@pytest.fixture
def opened(monkeypatch) -> list[str]:
    urls: list[str] = []
    monkeypatch.setattr(widgets, "open_url", urls.append)
    return urls


def type_host(window: MainWindow, host: str) -> None:
    find_by_name(window, "Add appliance").click()
    table = find_by_name(window, "Appliances")
    table.item(table.rowCount() - 1, 0).setText(host)


@pytest.mark.parametrize(
    "host",
    [EVIL, "fe80::1%eth0", "primary.example.com\u202e", "10.1.2", "a.example/b", "[a.example]"],
)
def test_a_host_that_opens_elsewhere_is_said_and_never_opened(window, opened, host) -> None:
    type_host(window, host)
    problem = window.case_page.table_problem
    assert problem.isVisibleTo(window) and "is not a valid host name" in problem.text()
    assert "\u202e" not in problem.text()
    button = find_by_name(window, f"Open /appliance of {host}")
    assert not button.isEnabled()
    assert "evil.example" not in button.toolTip() or "not a valid host name" in button.toolTip()
    button.click()
    assert opened == []


def test_a_zone_is_refused_with_its_reason(window, opened) -> None:
    type_host(window, "fe80::1%eth0")
    assert "network interface of this computer" in window.case_page.table_problem.text()


def test_a_forged_case_file_host_is_never_opened(window, opened, tmp_path) -> None:
    document = case_to_json(Case(appliances=(ApplianceEntry("primary.example.com"),)))
    document["appliances"][0]["hostname"] = EVIL
    forged = tmp_path / "forged.bgcase"
    forged.write_text(json.dumps(document))
    window.controller.open(forged)
    assert [a.hostname for a in window.controller.case.appliances] == [EVIL]
    button = find_by_name(window, f"Open /appliance of {EVIL}")
    assert not button.isEnabled()
    button.click()
    assert opened == []


def test_an_ipv6_appliance_opens_in_brackets(window, opened) -> None:
    type_host(window, "2001:DB8::1")
    find_by_name(window, "Open /appliance of 2001:DB8::1").click()
    assert opened == ["https://[2001:db8::1]/appliance"]


def test_an_international_name_opens_in_its_ascii_form(window, opened) -> None:
    window.controller.update(appliances=(ApplianceEntry("b\u00fccher.example", Role.PRIMARY),))
    find_by_name(window, "Open /appliance of b\u00fccher.example").click()
    assert opened == ["https://xn--bcher-kva.example/appliance"]


def test_the_url_is_built_only_from_a_checked_host() -> None:
    assert widgets.appliance_url("Primary.Example.COM.") == "https://primary.example.com/appliance"
    with pytest.raises(HostnameError):
        widgets.appliance_url(EVIL)


@pytest.mark.parametrize("address", ["10.0.0.1%eth0", "[fe80::1%eth0]:443", "a.example/x:443"])
def test_an_address_cell_is_checked_too(window, address) -> None:
    type_host(window, "primary.example.com")
    table = find_by_name(window, "Appliances")
    table.item(0, 2).setText(address)
    assert window.controller.case.appliances[0].address == address
    problem = window.case_page.table_problem
    assert problem.isVisibleTo(window) and problem.text()


def test_the_page_shows_the_address_the_draft_will_use(qtbot, window) -> None:
    field = find_by_name(window, "Support address")
    recipient = find_by_name(window, "The draft's recipient")
    qtbot.keyClicks(field, "Support@Example.COM")
    assert recipient.text() == "The draft will be addressed to: support@example.com"
    assert window.case_page.address_problem.isHidden()


@pytest.mark.parametrize(
    "address",
    [
        "=?utf-8?q?attacker=40evil.example=3e?=@example.com",
        "support@evil.example@example.com",
        "sup\u202eport@example.com",
        "support\u200b@example.com",
    ],
)
def test_an_address_that_is_not_one_plain_address_is_said(qtbot, window, address) -> None:
    field = find_by_name(window, "Support address")
    field.setFocus()
    QApplication.clipboard().setText(address)
    field.paste()
    assert field.text() == address
    problem = window.case_page.address_problem
    assert problem.isVisibleTo(window) and "is not one email address" in problem.text()
    assert "\u202e" not in problem.text() and "\u200b" not in problem.text()
    assert find_by_name(window, "The draft's recipient").text() == ""
