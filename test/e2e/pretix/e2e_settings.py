"""Django settings for the e2e pretix: pretix's own settings plus a mail backend that never sends.

Used through DJANGO_SETTINGS_MODULE=e2e_settings (python -m pretix only sets pretix.settings as a default).
pretix hard-codes the SMTP backend in pretix/settings.py; there is no pretix.cfg key for another backend.
"""
import os

from pretix.settings import *  # noqa: F401,F403
from pretix.settings import DATA_DIR

# Every outgoing mail (also from calls that default to send_email=true, e.g. mark_paid) lands as a file here.
EMAIL_BACKEND = 'django.core.mail.backends.filebased.EmailBackend'
EMAIL_CUSTOM_SMTP_BACKEND = 'django.core.mail.backends.filebased.EmailBackend'
EMAIL_FILE_PATH = os.path.join(DATA_DIR, 'mail')

# DEBUG is on under `runserver` (pretix's fallback), and pretix's runserver then also spawns `npm run dev:control`
# (a Vite dev server for the control panel) from site-packages: useless here, and a crash where npm is missing.
VITE_DEV_MODE = False
