"""`{% check_in_code registration %}`: a registrant's check-in code as QR code and in text."""

from django import template

from portal.registrations.qr import check_in_qr_svg

register = template.Library()


@register.inclusion_tag("registrations/_check_in_code.html")
def check_in_code(registration) -> dict:
    code = registration.check_in_code
    return {"code": code, "qr": check_in_qr_svg(code)}
