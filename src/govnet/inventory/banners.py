"""What each platform's login-banner syntax can carry (the templates' banner stanzas).

- huawei_vrp `header login information "<text>"`: the text starts and ends with the same
  character, so it cannot contain that character (govnet uses the double quote); the template
  renders it on one line, and the text is limited to 480 characters
  (templates/huawei_vrp/system.j2).
- iosxr `banner login c <text> c`: the delimiter may not occur in the text; the template uses
  the first of # ~ ^ & that does not (templates/iosxr/system.j2).
Junos quotes and escapes the text itself; FRR's lab banner is its first line only.
"""

from __future__ import annotations

from govnet.inventory.platforms import Platform

VRP_BANNER_MAX = 480
IOSXR_BANNER_DELIMITERS = "#~^&"


def banner_problem(platform: Platform, banner: str) -> str | None:
    """Why ``platform`` cannot carry ``banner`` as rendered, or None."""
    text = banner.strip()
    if platform is Platform.HUAWEI_VRP:
        if '"' in text:
            return 'huawei_vrp cannot carry a double quote (") in the login banner'
        one_line = text.replace("\n", " ")
        if len(one_line) > VRP_BANNER_MAX:
            return (
                f"huawei_vrp takes at most {VRP_BANNER_MAX} characters of login banner "
                f"(this one has {len(one_line)})"
            )
    if platform is Platform.IOSXR and all(c in text for c in IOSXR_BANNER_DELIMITERS):
        return "iosxr needs a delimiter that is not in the banner: leave out one of " + " ".join(
            IOSXR_BANNER_DELIMITERS
        )
    return None
