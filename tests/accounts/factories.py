import factory
from django.utils import timezone

from accounts.models import StakeholderGroup, User

DEFAULT_PASSWORD = "kultur-i-hela-lanet-2026"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"deltagare{n}@example.se")
    display_name = factory.Faker("name", locale="sv_SE")
    organisation = "Kulturföreningen Ljus"
    stakeholder_group = StakeholderGroup.CIVIL_SOCIETY
    # A completed profile, as after sign-up; `profile_completed_at=None` for one that is not.
    profile_completed_at = factory.LazyFunction(timezone.now)
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        """Give the user a verified primary address unless `verified=False`."""
        if not create:
            return
        self.save()
        if extracted is False:
            return
        from allauth.account.models import EmailAddress

        EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)
