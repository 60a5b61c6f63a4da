"""Template filters of text in photos."""

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter
def highlighted(matched) -> SafeString:
    """A MatchedText's snippet, escaped, with its highlights in <mark>."""
    if matched is None:
        return mark_safe("")
    pieces, position = [], 0
    for start, end in matched.highlights:
        pieces.append(escape(matched.snippet[position:start]))
        pieces.append(f"<mark>{escape(matched.snippet[start:end])}</mark>")
        position = end
    pieces.append(escape(matched.snippet[position:]))
    return mark_safe("".join(pieces))  # every piece is escaped above
