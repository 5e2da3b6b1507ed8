from collections.abc import Iterable, Sequence
from typing import ClassVar

from django.conf import settings
from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class StakeholderGroup(models.TextChoices):
    CIVIL_SOCIETY = "civil_society", _("Civil society")
    PROFESSIONAL_ARTIST = "professional_artist", _("Professional artist")
    MUNICIPALITY = "municipality", _("Municipality")
    REGION = "region", _("Region")
    STATE_AGENCY = "state_agency", _("State agency")
    ADULT_EDUCATION = "adult_education", _("Adult education")
    ASSOCIATION = "association", _("Association")
    BUSINESS = "business", _("Business")
    OTHER = "other", _("Other")


class Sector(models.TextChoices):
    """The sectors of the regional cooperation: what a profile is interested in, and what a
    Stockholmstinget registrant represents (the last three only for the latter)."""

    CULTURE = "culture", _("Culture")
    SPORT = "sport", _("Sport")
    ADULT_EDUCATION = "adult_education", _("Adult education")
    ASSOCIATIONS = "associations", _("Associations")
    MUNICIPALITY = "municipality", _("Municipality")
    REGION = "region", _("Region")
    OTHER = "other", _("Other")


# The sectors a profile can follow (sectors of interest).
INTEREST_SECTORS = [
    (sector.value, sector.label)
    for sector in (Sector.CULTURE, Sector.SPORT, Sector.ADULT_EDUCATION, Sector.ASSOCIATIONS)
]


class UserQuerySet(models.QuerySet):
    def invitable(
        self,
        *,
        groups: Sequence[str] = (),
        municipalities: Iterable = (),
        sectors: Sequence[str] = (),
    ):
        """Active users who consent to invitations and match every criterion given."""
        users = self.filter(is_active=True, invitations_consented_at__isnull=False)
        if groups:
            users = users.filter(stakeholder_group__in=list(groups))
        municipalities = list(municipalities)
        if municipalities:
            users = users.filter(municipality__in=municipalities)
        if sectors:
            users = users.filter(sectors__overlap=list(sectors))
        return users


# The stubs' plugin follows `from_queryset` bases of Manager, not of BaseUserManager.
class UserManager(BaseUserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, email: str):
        return self.get(email__iexact=email)


class User(AbstractBaseUser, PermissionsMixin):
    """A person with an account. The email address is the login; there is no username."""

    email = models.EmailField(_("email address"), max_length=254, unique=True)
    display_name = models.CharField(_("name"), max_length=150, blank=True)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    stakeholder_group = models.CharField(
        _("stakeholder group"), max_length=32, choices=StakeholderGroup.choices, blank=True
    )
    municipality = models.ForeignKey(
        "portal.Municipality",
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    sectors = ArrayField(
        models.CharField(max_length=32, choices=INTEREST_SECTORS),
        verbose_name=_("sectors of interest"),
        default=list,
        blank=True,
    )
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=settings.LANGUAGES, default="sv"
    )
    # Consents are stored with the time they were given; None means not given (or withdrawn).
    invitations_consented_at = models.DateTimeField(
        _("consented to invitations at"), null=True, blank=True
    )
    public_listing_consented_at = models.DateTimeField(
        _("consented to public attendee lists at"), null=True, blank=True
    )
    profile_completed_at = models.DateTimeField(_("profile completed at"), null=True, blank=True)
    # Set when the person deleted their account: the row stays (registrations keep pointing at
    # it, so counts survive), but everything that identified them is gone.
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)
    is_staff = models.BooleanField(
        _("staff status"),
        default=False,
        help_text=_("Designates whether the user can log into the admin site."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    # Set once registration_gate_block has seen the address confirmed (accounts/services.py).
    _address_verified: bool

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]
        constraints = [
            # "Anna@Example.se" and "anna@example.se" are one person.
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ci"),
            # A municipality officer always says which municipality they work for.
            models.CheckConstraint(
                condition=~models.Q(stakeholder_group="municipality")
                | models.Q(municipality__isnull=False),
                name="user_municipality_officer_has_municipality",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.email

    def get_full_name(self) -> str:
        return self.display_name or self.email

    def get_short_name(self) -> str:
        return self.display_name or self.email.split("@")[0]

    @property
    def wants_invitations(self) -> bool:
        return self.invitations_consented_at is not None

    @property
    def may_be_listed(self) -> bool:
        return self.public_listing_consented_at is not None

    @property
    def profile_is_complete(self) -> bool:
        return self.profile_completed_at is not None
