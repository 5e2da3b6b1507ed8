"""`{% certificate_link registration %}`: the link to a checked-in person's certificate."""

from django import template

from portal.registrations.certificates import certificate_url

register = template.Library()


@register.inclusion_tag("registrations/_certificate_link.html")
def certificate_link(registration) -> dict:
    """The link when the registration offers a certificate and its person was checked in;
    nothing otherwise (the certificate page itself checks the same again)."""
    if registration.checked_in_at is None or not type(registration).CERTIFICATE_KIND:
        return {"url": ""}
    return {"url": certificate_url(registration), "event": registration.event}
