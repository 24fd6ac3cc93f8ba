from django import template

register = template.Library()


@register.filter
def dictget(mapping, key):
    return (mapping or {}).get(key, 0)


@register.filter
def percent(part, whole):
    return f"{100 * part / whole:.0f}%" if whole else "—"
