"""Who is asking: the client's address, the one key of every per-address limit and lockout."""

from __future__ import annotations

import ipaddress

from django.conf import settings


def client_ip(request) -> str:
    """REMOTE_ADDR, or behind NUM_PROXIES trusted proxies the address the outermost of them saw
    (X-Forwarded-For counted from the right: entries further left are whatever the client sent).
    An IPv6 address stands for its /64, which one home or one server usually gets whole, so that
    walking through it does not buy a new limit with each address."""
    address = request.META.get("REMOTE_ADDR", "") or ""
    proxies = settings.NUM_PROXIES
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if forwarded:
            address = forwarded[-min(proxies, len(forwarded))]
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address[:64] or "unknown"
    if parsed.version == 6:
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False).network_address)
    return str(parsed)


def client_ip_or_none(request) -> str | None:
    """`client_ip` where a real address is needed (django-axes stores it in an address column):
    None without one, as for a request made in a test or a shell."""
    address = client_ip(request)
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return None
    return address
