from django.contrib import admin

from jiceng.core.admin import ScopedReadOnlyAdmin

from .models import Candidate, Election, Filing, Naming, Pairing, Review, Station, WorkLog

for model in (Election, Candidate, Review, Filing, Station, WorkLog, Naming, Pairing):
    admin.site.register(model, ScopedReadOnlyAdmin)
