"""The drift check after a commit: which lines of a second diff mean the device does not run
what was pushed, on each platform's diff format."""

from __future__ import annotations

from govnet.inventory.delivery_steps import drifted_lines

SECRETS = {
    "%SECRET(env:GOVNET_TACACS_KEY)%": "tacacs-test-key",
    "%SECRET(env:GOVNET_LOCAL_ADMIN_PASSWORD|sha512-crypt)%": "$6$8b3kgZ0Kj4LyrG0j$b85uUAu",
}


def test_junos_re_encrypted_secrets_are_not_drift() -> None:
    """`load override` of plain-text secrets: Junos stores them as $9$ with a new salt."""
    diff = (
        "[edit system tacplus-server 10.199.255.11]\n"
        '-    secret "$9$AbCdEfGh"; ## SECRET-DATA\n'
        '+    secret "$9$ZyXwVuTs"; ## SECRET-DATA\n'
    )
    assert drifted_lines(diff, SECRETS) == []


def test_a_line_carrying_a_secret_as_sent_is_not_drift() -> None:
    """VRP's merge diff lists the candidate's secret lines: the device shows its cipher text."""
    diff = (
        "local-user govnet-break-glass password irreversible-cipher Break-Glass-2026!\n"
        " hwtacacs-server shared-key cipher tacacs-test-key\n"
    )
    assert drifted_lines(diff, {**SECRETS, "%SECRET(env:P)%": "Break-Glass-2026!"}) == []


def test_a_dropped_line_is_drift_whatever_the_format() -> None:
    junos = "[edit protocols isis]\n+   interface et-0/0/1.0 { point-to-point; }\n"
    vrp = " isis enable 1\n"
    frr = "+ router isis GOVNET\n+  net 49.0001.0102.0000.0005.00\n"
    assert drifted_lines(junos, SECRETS) == ["+   interface et-0/0/1.0 { point-to-point; }"]
    assert drifted_lines(vrp, SECRETS) == [" isis enable 1"]
    assert drifted_lines(frr, {}) == ["+ router isis GOVNET", "+  net 49.0001.0102.0000.0005.00"]


def test_a_vrp_cipher_text_is_not_drift_but_its_neighbour_is() -> None:
    diff = "snmp-agent community read %^%#Zx8$qA%^%#\nsnmp-agent sys-info version v2c\n"
    assert drifted_lines(diff, {}) == ["snmp-agent sys-info version v2c"]
