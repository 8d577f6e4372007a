"""Creates the e2e fixture in a freshly migrated pretix database.

Run as:  python -m pretix shell < setup_fixture.py   (or: shell -c "$(cat setup_fixture.py)")
Prints exactly one line of JSON on stdout (prefixed with E2E_FIXTURE_JSON=) with the ids and the API token.

Models follow pretix >= 2026.x: Team permissions are all_event_permissions / limit_event_permissions (dict) and
all_organizer_permissions / limit_organizer_permissions; the old can_* booleans are read-only legacy properties.
"""
import json
import sys
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from django.conf import settings
from django_scopes import scopes_disabled
from i18nfield.strings import LazyI18nString

import pretix
from pretix.base.models import (
    CheckinList, Event, Item, Organizer, Question, Quota, Team, TeamAPIToken,
)


def i18n(en, de):
    return LazyI18nString({"en": en, "de": de})


with scopes_disabled():
    organizer = Organizer.objects.create(name="E2E Organizer", slug="e2eorg")
    event = Event.objects.create(
        organizer=organizer,
        name=i18n("E2E Conference", "E2E-Konferenz"),
        slug="e2econ",
        currency="EUR",
        date_from=datetime(2030, 6, 1, 9, 0, tzinfo=timezone.utc),
        date_to=datetime(2030, 6, 2, 18, 0, tzinfo=timezone.utc),
        location=i18n("Berlin", "Berlin"),
        presale_end=datetime(2030, 5, 31, 23, 0, tzinfo=timezone.utc),
        plugins="pretix.plugins.banktransfer,pretix.plugins.ticketoutputpdf",
        is_public=True,
        live=False,
    )
    # What the control UI and the events API do after creating an event (name_scheme=given_family among others).
    event.set_defaults()
    event.settings.name_scheme = "given_family"
    event.settings.locales = ["en", "de"]
    event.settings.locale = "en"
    event.settings.timezone = "UTC"
    # Attendee fields offered in the shop; the API accepts them either way.
    event.settings.attendee_names_asked = True
    event.settings.attendee_emails_asked = True
    event.settings.invoice_address_asked = True

    conference = Item.objects.create(
        event=event,
        name=i18n("Conference ticket", "Konferenzticket"),
        internal_name="conf",
        default_price=Decimal("100.00"),
        admission=True,
        personalized=True,
        active=True,
    )
    early = conference.variations.create(value=i18n("Early bird", "Frühbucher"), default_price=Decimal("80.00"))
    regular = conference.variations.create(value=i18n("Regular", "Normal"), default_price=None)  # item price
    workshop = Item.objects.create(
        event=event,
        name=i18n("Workshop", "Workshop"),
        default_price=Decimal("25.00"),
        admission=False,
        personalized=False,
        active=True,
    )

    quota_conf = Quota.objects.create(event=event, name="Conference", size=1000)
    quota_conf.items.add(conference)
    quota_conf.variations.add(early, regular)
    quota_ws = Quota.objects.create(event=event, name="Workshop", size=None)  # unlimited
    quota_ws.items.add(workshop)

    def question(text_en, text_de, type_, identifier, position, **kw):
        q = Question.objects.create(
            event=event, question=i18n(text_en, text_de), type=type_, identifier=identifier,
            required=False, position=position, **kw,
        )
        q.items.add(conference, workshop)
        return q

    q_city = question("City", "Stadt", Question.TYPE_STRING, "city", 1)
    q_shirt = question("T-shirt size", "T-Shirt-Größe", Question.TYPE_CHOICE, "shirt", 2)
    opt_s = q_shirt.options.create(answer=i18n("S", "S"), identifier="SHIRT-S", position=1)
    opt_m = q_shirt.options.create(answer=i18n("M", "M"), identifier="SHIRT-M", position=2)
    opt_l = q_shirt.options.create(answer=i18n("L", "L"), identifier="SHIRT-L", position=3)
    q_topics = question("Topics", "Themen", Question.TYPE_CHOICE_MULTIPLE, "topics", 3)
    opt_web = q_topics.options.create(answer=i18n("Web", "Web"), identifier="TOPIC-WEB", position=1)
    opt_data = q_topics.options.create(answer=i18n("Data", "Daten"), identifier="TOPIC-DATA", position=2)
    opt_ops = q_topics.options.create(answer=i18n("Ops", "Betrieb"), identifier="TOPIC-OPS", position=3)
    q_newsletter = question("Newsletter?", "Newsletter?", Question.TYPE_BOOLEAN, "newsletter", 4)
    q_age = question("Years of experience", "Jahre Erfahrung", Question.TYPE_NUMBER, "experience", 5)
    q_birth = question("Date of birth", "Geburtsdatum", Question.TYPE_DATE, "birthdate", 6)

    checkin_list = CheckinList.objects.create(event=event, name="Main entrance", all_products=True)

    team = Team.objects.create(
        organizer=organizer,
        name="E2E API team",
        all_events=True,
        all_event_permissions=True,
        all_organizer_permissions=True,
    )
    token = TeamAPIToken.objects.create(team=team, name="e2e")

    result = {
        "pretixVersion": pretix.__version__,
        "organizer": organizer.slug,
        "event": event.slug,
        "token": token.token,
        "teamId": team.pk,
        "items": {"conference": conference.pk, "workshop": workshop.pk},
        "variations": {"early": early.pk, "regular": regular.pk},
        "quotas": {"conference": quota_conf.pk, "workshop": quota_ws.pk},
        "questions": {
            "S": q_city.pk, "C": q_shirt.pk, "M": q_topics.pk, "B": q_newsletter.pk, "N": q_age.pk, "D": q_birth.pk,
        },
        "questionIdentifiers": {
            "S": q_city.identifier, "C": q_shirt.identifier, "M": q_topics.identifier,
            "B": q_newsletter.identifier, "N": q_age.identifier, "D": q_birth.identifier,
        },
        "options": {
            "shirtS": opt_s.pk, "shirtM": opt_m.pk, "shirtL": opt_l.pk,
            "topicWeb": opt_web.pk, "topicData": opt_data.pk, "topicOps": opt_ops.pk,
        },
        "optionIdentifiers": {
            "shirtS": opt_s.identifier, "shirtM": opt_m.identifier, "shirtL": opt_l.identifier,
            "topicWeb": opt_web.identifier, "topicData": opt_data.identifier, "topicOps": opt_ops.identifier,
        },
        "checkinList": checkin_list.pk,
        "settings": {"debug": settings.DEBUG, "emailBackend": settings.EMAIL_BACKEND},
    }
    sys.stdout.write("E2E_FIXTURE_JSON=" + json.dumps(result) + "\n")
    sys.stdout.flush()
